package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/controller"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/identity"
	runtimeoptions "github.com/microstax/stax/pkg/runtime/options"
)

// TestExpiredTokenRevocationsAreDeleted: a revocation goes once its token
// is past expiry plus the verifiers' grace, not before; a live token's
// revocation stays.
func TestExpiredTokenRevocationsAreDeleted(t *testing.T) {
	s := startInProcess(t, func(o *server.Options) {
		o.Controllers = []string{controller.TokenRevocationController}
		o.Runtime.Name = runtimeoptions.None
	})
	ctx := context.Background()
	revocations := s.Client.StaxV1alpha1().TokenRevocations("acme")
	now := time.Now()
	deleteAt := map[string]time.Time{}
	for name, expires := range map[string]time.Time{
		"long-expired": now.Add(-identity.RevocationGrace - time.Hour),
		"soon":         now.Add(-identity.RevocationGrace + 3*time.Second),
		"live":         now.Add(time.Hour),
	} {
		_, err := revocations.Create(ctx, &staxv1.TokenRevocation{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       staxv1.TokenRevocationSpec{TokenID: "jti-" + name, ExpirationTime: metav1.NewTime(expires)},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		deleteAt[name] = expires.Add(identity.RevocationGrace)
	}

	deadline := time.Now().Add(30 * time.Second)
	for _, name := range []string{"long-expired", "soon"} {
		for {
			_, err := revocations.Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				// Seconds are all a metav1.Time keeps.
				if gone := time.Now(); gone.Before(deleteAt[name].Truncate(time.Second)) {
					t.Errorf("%s deleted at %v, before its time %v", name, gone, deleteAt[name])
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s (token expired %v ago) is still there", name, time.Since(deleteAt[name].Add(-identity.RevocationGrace)))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if _, err := revocations.Get(ctx, "live", metav1.GetOptions{}); err != nil {
		t.Errorf("the live token's revocation: %v", err)
	}
}

// tokenID asks the server (as admin) for a token's jti and expiry, as a
// user would before revoking it.
func tokenID(t *testing.T, s *testServer, token string) (string, metav1.Time) {
	t.Helper()
	review, err := s.Client.StaxV1alpha1().IdentityReviews().Create(context.Background(),
		&staxv1.IdentityReview{Spec: staxv1.IdentityReviewSpec{Token: token}}, metav1.CreateOptions{})
	if err != nil || !review.Status.Authenticated {
		t.Fatalf("review: %+v %v", review.Status, err)
	}
	return review.Status.TokenID, *review.Status.ExpirationTimestamp
}

func revoke(t *testing.T, c versioned.Interface, org, name, jti string, expires metav1.Time) {
	t.Helper()
	_, err := c.StaxV1alpha1().TokenRevocations(org).Create(context.Background(), &staxv1.TokenRevocation{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       staxv1.TokenRevocationSpec{TokenID: jti, ExpirationTime: expires},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("revocation %s/%s: %v", org, name, err)
	}
}

// waitTokenAccepted polls until token is accepted (want true) or refused
// with 401 (want false) in its organization.
func waitTokenAccepted(t *testing.T, s *testServer, token, org string, want bool) {
	t.Helper()
	client := tokenClient(t, s, token).StaxV1alpha1()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, last = client.Environments(org).List(ctx, metav1.ListOptions{})
		if want {
			return last == nil, nil
		}
		return apierrors.IsUnauthorized(last), nil
	})
	if err != nil {
		t.Fatalf("token of %s: want accepted=%v, last answer %v", org, want, last)
	}
}

// TestRevocationScopedToOrganization: a revocation is keyed by (namespace =
// organization, jti) and matches only tokens of that organization, since a
// jti is not secret; deleting the last revocation of a token un-revokes it;
// an expiration past the longest token lifetime is refused.
func TestRevocationScopedToOrganization(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	admin := s.Client
	// alice revokes others' tokens below: an admin of acme.
	acmeToken := mintWithCLI(t, s, "acme", "alice", "--groups", auth.OrganizationAdminClaim)
	globexToken := mintWithCLI(t, s, "globex", "gina")
	sentinel := mintWithCLI(t, s, "acme", "sentinel")
	acme := tokenClient(t, s, acmeToken)
	acmeJTI, acmeExp := tokenID(t, s, acmeToken)
	globexJTI, globexExp := tokenID(t, s, globexToken)
	sentinelJTI, sentinelExp := tokenID(t, s, sentinel)

	// Every server applies revocations in the order it sees them, so once
	// the later sentinel revocation holds, the earlier one has been applied.
	revoke(t, acme, "acme", "not-ours", globexJTI, globexExp)
	revoke(t, acme, "acme", "sentinel", sentinelJTI, sentinelExp)
	waitTokenAccepted(t, s, sentinel, "acme", false)
	if _, err := tokenClient(t, s, globexToken).StaxV1alpha1().Environments("globex").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("acme's revocation of a globex jti refused the globex token: %v", err)
	}

	revoke(t, acme, "acme", "own", acmeJTI, acmeExp)
	waitTokenAccepted(t, s, acmeToken, "acme", false)

	// Deleting the revocation brings the token back.
	if err := admin.StaxV1alpha1().TokenRevocations("acme").Delete(ctx, "own", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitTokenAccepted(t, s, acmeToken, "acme", true)

	// With two revocations of one token, it stays revoked until both are gone.
	revoke(t, admin, "acme", "twice-1", acmeJTI, acmeExp)
	revoke(t, admin, "acme", "twice-2", acmeJTI, acmeExp)
	waitTokenAccepted(t, s, acmeToken, "acme", false)
	if err := admin.StaxV1alpha1().TokenRevocations("acme").Delete(ctx, "twice-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := admin.StaxV1alpha1().TokenRevocations("acme").Delete(ctx, "sentinel", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitTokenAccepted(t, s, sentinel, "acme", true)
	if _, err := acme.StaxV1alpha1().Environments("acme").List(ctx, metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
		t.Fatalf("one of two revocations deleted: want 401, got %v", err)
	}
	if err := admin.StaxV1alpha1().TokenRevocations("acme").Delete(ctx, "twice-2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitTokenAccepted(t, s, acmeToken, "acme", true)

	// A revocation that would outlive any token is refused, so every
	// revocation is still cleaned up by the controller.
	_, err := admin.StaxV1alpha1().TokenRevocations("acme").Create(ctx, &staxv1.TokenRevocation{
		ObjectMeta: metav1.ObjectMeta{Name: "forever"},
		Spec:       staxv1.TokenRevocationSpec{TokenID: acmeJTI, ExpirationTime: metav1.NewTime(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))},
	}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.expirationTime") {
		t.Fatalf("expiration in year 9999: want 422 on spec.expirationTime, got %v", err)
	}
}
