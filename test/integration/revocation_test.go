package integration

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/controller"
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
