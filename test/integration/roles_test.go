package integration

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/auth"
)

// TestOrganizationRoles: through the API with minted tokens, only an admin
// of an organization (stax:org-admin in the token's groups) changes its
// settings, and nobody but the platform its tier or quota; a member revokes
// its own token but not another's, an admin anyone's.
func TestOrganizationRoles(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	platform := s.Client.StaxV1alpha1()
	if _, err := platform.Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "acme"},
		Spec: staxv1.OrganizationSpec{DisplayName: "Acme"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	memberToken := mintWithCLI(t, s, "acme", "alice")
	adminToken := mintWithCLI(t, s, "acme", "ada", "--groups", auth.OrganizationAdminClaim)
	member := tokenClient(t, s, memberToken).StaxV1alpha1()
	admin := tokenClient(t, s, adminToken).StaxV1alpha1()
	patch := func(c interface {
		Patch(context.Context, string, types.PatchType, []byte, metav1.PatchOptions, ...string) (*staxv1.Organization, error)
	}, body string) error {
		_, err := c.Patch(ctx, "acme", types.MergePatchType, []byte(body), metav1.PatchOptions{})
		return err
	}

	t.Run("settings", func(t *testing.T) {
		if err := patch(member.Organizations(), `{"spec":{"displayName":"Alice's"}}`); !apierrors.IsForbidden(err) {
			t.Errorf("member renames the organization: want 403, got %v", err)
		}
		if err := patch(admin.Organizations(), `{"spec":{"displayName":"Acme Inc."}}`); err != nil {
			t.Errorf("admin renames the organization: %v", err)
		}
		for _, body := range []string{
			`{"spec":{"tier":"enterprise","requestsPerMinute":5000}}`,
			`{"spec":{"quota":{"environments":100}}}`,
		} {
			if err := patch(admin.Organizations(), body); !apierrors.IsForbidden(err) {
				t.Errorf("admin patches %s: want 403, got %v", body, err)
			}
			if err := patch(platform.Organizations(), body); err != nil {
				t.Errorf("platform admin patches %s: %v", body, err)
			}
		}
		if _, err := member.Organizations().Get(ctx, "acme", metav1.GetOptions{}); err != nil {
			t.Errorf("member reads its organization: %v", err)
		}
	})

	t.Run("revocations", func(t *testing.T) {
		bobToken := mintWithCLI(t, s, "acme", "bob")
		bobJTI, bobExp := tokenID(t, s, bobToken)
		rev := func(name, jti string, exp metav1.Time) *staxv1.TokenRevocation {
			return &staxv1.TokenRevocation{ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec: staxv1.TokenRevocationSpec{TokenID: jti, ExpirationTime: exp}}
		}
		if _, err := member.TokenRevocations("acme").Create(ctx, rev("bobs", bobJTI, bobExp), metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("member revokes bob's token: want 403, got %v", err)
		}
		if _, err := admin.TokenRevocations("acme").Create(ctx, rev("bobs", bobJTI, bobExp), metav1.CreateOptions{}); err != nil {
			t.Errorf("admin revokes bob's token: %v", err)
		}
		waitTokenAccepted(t, s, bobToken, "acme", false)
		if err := member.TokenRevocations("acme").Delete(ctx, "bobs", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("member un-revokes bob's token: want 403, got %v", err)
		}
		ownJTI, ownExp := tokenID(t, s, memberToken)
		if _, err := member.TokenRevocations("acme").Create(ctx, rev("own", ownJTI, ownExp), metav1.CreateOptions{}); err != nil {
			t.Errorf("member revokes its own token: %v", err)
		}
		waitTokenAccepted(t, s, memberToken, "acme", false)
	})
}
