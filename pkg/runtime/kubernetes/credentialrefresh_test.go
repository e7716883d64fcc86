package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/microstax/stax/pkg/identity"
	"github.com/microstax/stax/pkg/runtime"
	"github.com/microstax/stax/pkg/stubaccess"
)

func TestRefreshDue(t *testing.T) {
	at := func(issued, expires string) map[string]string {
		return map[string]string{AnnotationCredentialIssuedAt: issued, AnnotationCredentialExpiresAt: expires}
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
	next, err := r.RefreshCredentials(ctx, stubPlan())
	if err != nil || token() != applied || !next.Equal(time.Date(2026, 12, 2, 10, 10, 0, 0, time.UTC)) {
		t.Fatalf("before half its lifetime: %v, token %s (was %s), next %v", err, token(), applied, next)
	}

	now = now.Add(time.Minute) // 10:10, half of 20 minutes
	next, err = r.RefreshCredentials(ctx, stubPlan())
	if err != nil || token() == applied || token() != "token-2-2026-12-02T10:10:00Z" || !next.Equal(time.Date(2026, 12, 2, 10, 20, 0, 0, time.UTC)) {
		t.Fatalf("half way through: %v, token %s, next %v", err, token(), next)
	}

	// Without StubAccess, or a plan without stubs, there is nothing to do.
	if next, err := (&Runtime{client: client, now: clock}).RefreshCredentials(ctx, stubPlan()); err != nil || !next.IsZero() {
		t.Errorf("without StubAccess: %v %v", next, err)
	}
	p := stubPlan()
	p.Services = p.Services[1:]
	if next, err := r.RefreshCredentials(ctx, p); err != nil || !next.IsZero() || issuer.n != 2 {
		t.Errorf("without stubs: %v %v, %d tokens", next, err, issuer.n)
	}
	// A Secret not written yet is Apply's to write.
	other := stubPlan()
	other.Environment = "other"
	if next, err := r.RefreshCredentials(ctx, other); err != nil || !next.IsZero() || issuer.n != 2 {
		t.Errorf("before Apply: %v %v, %d tokens", next, err, issuer.n)
	}
}

// failingDiffAccess mints with its Minter until told to fail.
type failingDiffAccess struct {
	*stubaccess.Minter
	fail bool
}

func (f *failingDiffAccess) DiffWriterCredential(ctx context.Context, org string) (runtime.DiffCredential, error) {
	if f.fail {
		return runtime.DiffCredential{}, errors.New("no signing key")
	}
	return f.Minter.DiffWriterCredential(ctx, org)
}

// An overlay's shadow front's Secret (the diff writer's token) is minted
// again past half its lifetime, like a stub's, in place: stax-shadow's
// Deployment is not rewritten. Another overlay's plan that shadows the
// same service leaves it alone; a mint that fails says so and keeps the
// token.
func TestRefreshShadowCredential(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	issuer := &countingIssuer{}
	access := &failingDiffAccess{Minter: &stubaccess.Minter{Issuer: issuer, Audience: "stax",
		Endpoint: stubaccess.Endpoint{Server: "https://stax.example:6443"}, Lifetime: 20 * time.Minute, Now: clock}}
	client := fake.NewClientset()
	r, err := New(Config{Client: client, ShadowImage: "stax-shadow:test", DiffAccess: access})
	if err != nil {
		t.Fatal(err)
	}
	r.now = clock
	ctx := context.Background()
	base, overlay := shadowedPlans()
	for _, p := range []runtime.Plan{base, overlay} {
		if err := r.Apply(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	baseNs := NamespaceName("acme", "shop")
	secret := func() *corev1.Secret {
		t.Helper()
		sec, err := client.CoreV1().Secrets(baseNs).Get(ctx, "stax-shadow-api", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return sec
	}
	front := func() string {
		t.Helper()
		d, err := client.AppsV1().Deployments(baseNs).Get(ctx, "stax-shadow-api", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(d)
		return string(b)
	}
	applied, deployed := secret(), front()
	if applied.StringData["token"] != "token-1-2026-12-02T10:00:00Z" || applied.Type != DiffCredentialType ||
		applied.Annotations[AnnotationCredentialIssuedAt] != "2026-12-02T10:00:00Z" ||
		applied.Annotations[AnnotationCredentialExpiresAt] != "2026-12-02T10:20:00Z" {
		t.Fatalf("at Apply: type %s, token %s, annotations %v", applied.Type, applied.StringData["token"], applied.Annotations)
	}

	now = now.Add(9 * time.Minute)
	next, err := r.RefreshCredentials(ctx, overlay)
	if err != nil || secret().StringData["token"] != applied.StringData["token"] || !next.Equal(time.Date(2026, 12, 2, 10, 10, 0, 0, time.UTC)) {
		t.Fatalf("before half its lifetime: %v, token %s, next %v", err, secret().StringData["token"], next)
	}

	now = now.Add(time.Minute) // 10:10, half of 20 minutes
	next, err = r.RefreshCredentials(ctx, overlay)
	got := secret()
	if err != nil || got.StringData["token"] != "token-2-2026-12-02T10:10:00Z" || !next.Equal(time.Date(2026, 12, 2, 10, 20, 0, 0, time.UTC)) ||
		got.Annotations[AnnotationCredentialExpiresAt] != "2026-12-02T10:30:00Z" || got.Labels[LabelShadowOverlay] != "feature" {
		t.Fatalf("half way through: %v, token %s, annotations %v, labels %v, next %v", err, got.StringData["token"], got.Annotations, got.Labels, next)
	}
	if front() != deployed {
		t.Errorf("the refresh rewrote stax-shadow's Deployment:\n%s\nwas\n%s", front(), deployed)
	}

	// Another overlay's plan shadowing api (its Apply refused) leaves the
	// Secret to the overlay that shadows it.
	now = now.Add(15 * time.Minute)
	_, other := shadowedPlans()
	other.Environment = "other"
	if next, err := r.RefreshCredentials(ctx, other); err != nil || !next.IsZero() || issuer.n != 2 || secret().Labels[LabelShadowOverlay] != "feature" {
		t.Errorf("another overlay: %v %v, %d tokens, labels %v", next, err, issuer.n, secret().Labels)
	}
	// The shadow off, or a runtime without DiffAccess: nothing to mint.
	off := overlay
	off.Shadow = nil
	if next, err := r.RefreshCredentials(ctx, off); err != nil || !next.IsZero() || issuer.n != 2 {
		t.Errorf("shadow off: %v %v, %d tokens", next, err, issuer.n)
	}
	if next, err := (&Runtime{client: client, now: clock}).RefreshCredentials(ctx, overlay); err != nil || !next.IsZero() {
		t.Errorf("without DiffAccess: %v %v", next, err)
	}

	access.fail = true
	if _, err := r.RefreshCredentials(ctx, overlay); err == nil || !strings.Contains(err.Error(), "no signing key") ||
		secret().StringData["token"] != "token-2-2026-12-02T10:10:00Z" {
		t.Errorf("a failing mint: %v, token %s", err, secret().StringData["token"])
	}
	access.fail = false
	if _, err := r.RefreshCredentials(ctx, overlay); err != nil || secret().StringData["token"] != "token-3-2026-12-02T10:25:00Z" {
		t.Errorf("after the failure: %v, token %s", err, secret().StringData["token"])
	}
}
