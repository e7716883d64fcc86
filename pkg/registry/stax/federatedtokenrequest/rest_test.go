package federatedtokenrequest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/utils/ptr"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/identity"
)

// recordingIssuer keeps the claims it was asked to sign.
type recordingIssuer struct {
	claims identity.Claims
	err    error
}

func (i *recordingIssuer) Issue(c identity.Claims) (string, error) {
	i.claims = c
	return "token", i.err
}

func TestChildTokensDescendFromTheirParent(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tokenUser := func(org string, exp time.Time, chain ...string) user.Info {
		return auth.UserFor(&identity.Result{Subject: "alice", Org: org, ID: "parent", ExpiresAt: exp, Chain: chain})
	}
	damaged := &user.DefaultInfo{Name: "eve", Extra: map[string][]string{auth.ExtraTokenID: {"parent"}}}
	admin := &user.DefaultInfo{Name: "admin", Groups: []string{user.SystemPrivilegedGroup}}

	for _, tc := range []struct {
		name      string
		caller    user.Info
		namespace string
		wantExp   time.Time
		wantChain []string
		wantErr   func(error) bool
	}{
		{"a client certificate mints a root token", admin, "acme", now.Add(10 * time.Minute), nil, nil},
		{"a child never expires after its parent", tokenUser("acme", now.Add(90*time.Second)), "acme", now.Add(90 * time.Second), []string{"parent"}, nil},
		{"a short child keeps its own lifetime", tokenUser("acme", now.Add(time.Hour), "root"), "acme", now.Add(10 * time.Minute), []string{"root", "parent"}, nil},
		{"past the depth limit", tokenUser("acme", now.Add(time.Hour), "root", "child"), "acme", time.Time{}, nil, apierrors.IsForbidden},
		{"in another organization", tokenUser("acme", now.Add(time.Hour)), "globex", time.Time{}, nil, apierrors.IsForbidden},
		{"from an expired parent", tokenUser("acme", now.Add(-time.Second)), "acme", time.Time{}, nil, apierrors.IsForbidden},
		{"token extras damaged", damaged, "acme", time.Time{}, nil, apierrors.IsForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			issuer := &recordingIssuer{}
			r := &REST{issuer: issuer, now: func() time.Time { return now }}
			ctx := genericapirequest.WithUser(genericapirequest.WithNamespace(context.Background(), tc.namespace), tc.caller)
			req := &stax.FederatedTokenRequest{Spec: stax.FederatedTokenRequestSpec{Audience: "other", ExpirationSeconds: ptr.To[int64](600)}}
			obj, err := r.Create(ctx, req, nil, &metav1.CreateOptions{})
			if tc.wantErr != nil {
				if !tc.wantErr(err) {
					t.Fatalf("want refused, got %v", err)
				}
				if _, err := r.Create(ctx, req, nil, &metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); !tc.wantErr(err) {
					t.Fatalf("a dry run: want refused too, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !issuer.claims.ExpiresAt.Equal(tc.wantExp) || !slices.Equal(issuer.claims.Chain, tc.wantChain) {
				t.Fatalf("minted exp %v chain %v, want %v %v", issuer.claims.ExpiresAt, issuer.claims.Chain, tc.wantExp, tc.wantChain)
			}
			if got := obj.(*stax.FederatedTokenRequest).Status.ExpirationTimestamp; !got.Time.Equal(tc.wantExp) {
				t.Fatalf("status says it expires at %v", got)
			}
		})
	}
}

func TestTooLargeTokenIsTheCallersError(t *testing.T) {
	issuer := &recordingIssuer{err: fmt.Errorf("%w: 20000 bytes", identity.ErrTokenTooLarge)}
	r := NewREST(issuer)
	ctx := genericapirequest.WithUser(genericapirequest.WithNamespace(context.Background(), "acme"), &user.DefaultInfo{Name: "admin"})
	req := &stax.FederatedTokenRequest{Spec: stax.FederatedTokenRequestSpec{Audience: "other", ExpirationSeconds: ptr.To[int64](60)}}
	if _, err := r.Create(ctx, req, nil, &metav1.CreateOptions{}); !apierrors.IsBadRequest(err) {
		t.Fatalf("want 400, got %v", err)
	}
}
