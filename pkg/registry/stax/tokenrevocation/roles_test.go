package tokenrevocation_test

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/identity"
	"github.com/microstax/stax/pkg/registry/stax/tokenrevocation"
)

func tokenContext(subject, jti string, groups ...string) context.Context {
	u := auth.UserFor(&identity.Result{Subject: subject, Org: "acme", ID: jti, Groups: groups, ExpiresAt: time.Now().Add(time.Hour)})
	return genericapirequest.WithUser(genericapirequest.WithNamespace(context.Background(), "acme"), u)
}

// TestMembersRevokeOnlyTheirOwnToken: a member revokes its own token but
// neither revokes another's nor deletes a revocation of another's; an admin
// does both.
func TestMembersRevokeOnlyTheirOwnToken(t *testing.T) {
	r := newREST(t)
	member := tokenContext("alice", "jti-alice")
	admin := tokenContext("ada", "jti-ada", auth.OrganizationAdminClaim)
	create := func(ctx context.Context, name, jti string) error {
		rev := newRevocation(name)
		rev.Spec.TokenID = jti
		_, err := r.Create(ctx, rev, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
		return err
	}
	if err := create(member, "own", "jti-alice"); err != nil {
		t.Errorf("member revokes own token: %v", err)
	}
	if err := create(member, "bobs", "jti-bob"); !apierrors.IsForbidden(err) {
		t.Errorf("member revokes bob's token: want 403, got %v", err)
	}
	if err := create(admin, "bobs", "jti-bob"); err != nil {
		t.Errorf("admin revokes bob's token: %v", err)
	}
	if _, _, err := r.Delete(member, "bobs", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("member un-revokes bob's token: want 403, got %v", err)
	}
	if _, err := r.DeleteCollection(member, rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}, nil); !apierrors.IsForbidden(err) {
		t.Errorf("member deletes every revocation: want 403, got %v", err)
	}
	if _, _, err := r.Delete(admin, "bobs", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Errorf("admin un-revokes bob's token: %v", err)
	}
}

var _ rest.CollectionDeleter = &tokenrevocation.REST{}
