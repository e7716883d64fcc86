package identity

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testIssuer   = "https://id.microstax.test"
	testAudience = "api.microstax.test"
)

// testClock is a settable clock shared by key set, issuer and verifier.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	clock  *testClock
	keys   *KeySet
	issuer *Issuer
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	clk := newTestClock()
	ks, err := NewKeySet(clk.Now(), KeySetConfig{Overlap: time.Hour, PublishAhead: 10 * time.Minute, Now: clk.Now})
	if err != nil {
		tb.Fatal(err)
	}
	iss, err := NewIssuer(ks, IssuerConfig{Issuer: testIssuer, DefaultLifetime: 15 * time.Minute, Now: clk.Now})
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{clock: clk, keys: ks, issuer: iss}
}

func (f *fixture) verifier(tb testing.TB, mod func(*VerifierConfig)) *Verifier {
	tb.Helper()
	cfg := VerifierConfig{Issuer: testIssuer, Audience: testAudience, Now: f.clock.Now}
	if mod != nil {
		mod(&cfg)
	}
	v, err := NewVerifier(f.keys, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func testClaims() Claims {
	return Claims{
		Subject:  "user-42",
		Audience: []string{testAudience, "other.microstax.test"},
		Org:      "org-7",
		Groups:   []string{"admins", "dev"},
		Actor:    &Actor{Subject: "svc-gateway"},
	}
}

func (f *fixture) issue(tb testing.TB, c Claims) string {
	tb.Helper()
	tok, err := f.issuer.Issue(c)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// splitToken returns the decoded protected header and the raw segments.
func splitToken(tb testing.TB, tok string) (h header, payloadB64, sigB64 string) {
	tb.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d parts", len(parts))
	}
	raw, err := b64.DecodeString(parts[0])
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		tb.Fatal(err)
	}
	return h, parts[1], parts[2]
}

// resign rebuilds tok with a modified header and a valid ES256 signature
// from kp, so only what mod changed can make verification fail.
func resign(tb testing.TB, kp *KeyPair, tok string, mod func(*header)) string {
	tb.Helper()
	h, p, _ := splitToken(tb, tok)
	mod(&h)
	out, err := signES256(kp.ec, h, p)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// signRawHeader signs an arbitrary header JSON text with ES256.
func signRawHeader(tb testing.TB, kp *KeyPair, hdrJSON, payloadB64 string) string {
	tb.Helper()
	out, err := signJWS(kp.ec, []byte(hdrJSON), payloadB64)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
