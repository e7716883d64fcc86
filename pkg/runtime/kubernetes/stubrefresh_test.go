package kubernetes

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/microstax/stax/pkg/identity"
	"github.com/microstax/stax/pkg/stubaccess"
)

func TestRefreshDue(t *testing.T) {
	at := func(issued, expires string) map[string]string {
		return map[string]string{AnnotationStubIssuedAt: issued, AnnotationStubExpiresAt: expires}
	}
	for _, tc := range []struct {
		name        string
		annotations map[string]string
		want        time.Time
	}{
		{"half way through", at("2026-12-02T10:00:00Z", "2026-12-02T11:00:00Z"), time.Date(2026, 12, 2, 10, 30, 0, 0, time.UTC)},
		{"a short lifetime", at("2026-12-02T10:00:00Z", "2026-12-02T10:00:20Z"), time.Date(2026, 12, 2, 10, 0, 10, 0, time.UTC)},
		{"none recorded: due at once", nil, time.Time{}},
		{"garbled", at("yesterday", "2026-12-02T11:00:00Z"), time.Time{}},
		{"expiring before issued", at("2026-12-02T11:00:00Z", "2026-12-02T10:00:00Z"), time.Time{}},
	} {
		if got := refreshDue(tc.annotations); !got.Equal(tc.want) {
			t.Errorf("%s: due %v, want %v", tc.name, got, tc.want)
		}
	}
}

// countingIssuer signs nothing: the token names the claims' issue time.
type countingIssuer struct{ n int }

func (c *countingIssuer) Issue(cl identity.Claims) (string, error) {
	c.n++
	return fmt.Sprintf("token-%d-%s", c.n, cl.IssuedAt.Format(time.RFC3339)), nil
}

// The credential Secret is minted again once past half its token's
// lifetime, not before; the next due time is the earliest of the stubs'.
func TestRefreshStubCredentials(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	issuer := &countingIssuer{}
	minter := &stubaccess.Minter{Issuer: issuer, Audience: "stax", Endpoint: stubaccess.Endpoint{Server: "https://stax.example:6443"},
		Lifetime: 20 * time.Minute, Now: clock}
	client := fake.NewClientset()
	r, err := New(Config{Client: client, StubAccess: minter})
	if err != nil {
		t.Fatal(err)
	}
	r.now = clock
	ctx := context.Background()
	if err := r.Apply(ctx, stubPlan()); err != nil {
		t.Fatal(err)
	}
	token := func() string {
		t.Helper()
		sec, err := client.CoreV1().Secrets(NamespaceName("acme", "dev")).Get(ctx, "pets-stub", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return sec.StringData["token"]
	}
	applied := token()

	now = now.Add(9 * time.Minute)
	next, err := r.RefreshStubCredentials(ctx, stubPlan())
	if err != nil || token() != applied || !next.Equal(time.Date(2026, 12, 2, 10, 10, 0, 0, time.UTC)) {
		t.Fatalf("before half its lifetime: %v, token %s (was %s), next %v", err, token(), applied, next)
	}

	now = now.Add(time.Minute) // 10:10, half of 20 minutes
	next, err = r.RefreshStubCredentials(ctx, stubPlan())
	if err != nil || token() == applied || token() != "token-2-2026-12-02T10:10:00Z" || !next.Equal(time.Date(2026, 12, 2, 10, 20, 0, 0, time.UTC)) {
		t.Fatalf("half way through: %v, token %s, next %v", err, token(), next)
	}

	// Without StubAccess, or a plan without stubs, there is nothing to do.
	if next, err := (&Runtime{client: client, now: clock}).RefreshStubCredentials(ctx, stubPlan()); err != nil || !next.IsZero() {
		t.Errorf("without StubAccess: %v %v", next, err)
	}
	p := stubPlan()
	p.Services = p.Services[1:]
	if next, err := r.RefreshStubCredentials(ctx, p); err != nil || !next.IsZero() || issuer.n != 2 {
		t.Errorf("without stubs: %v %v, %d tokens", next, err, issuer.n)
	}
	// A Secret not written yet is Apply's to write.
	other := stubPlan()
	other.Environment = "other"
	if next, err := r.RefreshStubCredentials(ctx, other); err != nil || !next.IsZero() || issuer.n != 2 {
		t.Errorf("before Apply: %v %v, %d tokens", next, err, issuer.n)
	}
}
