package identity

import (
	"errors"
	"testing"
	"time"
)

func TestMemoryRevokerForgetsExpiredEntries(t *testing.T) {
	clk := newTestClock()
	r := NewMemoryRevoker(clk.Now)
	if err := r.Revoke("a", clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.IsRevoked("a"); !ok {
		t.Fatal("not revoked")
	}
	if ok, _ := r.IsRevoked("b"); ok {
		t.Fatal("unknown jti reported revoked")
	}
	// Still revoked past exp, within the grace that covers verifier leeway.
	clk.Advance(time.Minute + DefaultLeeway)
	if ok, _ := r.IsRevoked("a"); !ok {
		t.Fatal("revocation lapsed inside the leeway window")
	}
	clk.Advance(RevocationGrace)
	if ok, _ := r.IsRevoked("a"); ok {
		t.Fatal("entry outlived the token")
	}
	if n := r.Len(); n != 0 {
		t.Fatalf("%d entries kept after expiry", n)
	}
}

type failingRevoker struct{}

func (failingRevoker) Revoke(string, time.Time) error { return nil }
func (failingRevoker) IsRevoked(string) (bool, error) { return false, errors.New("store down") }

func TestRevocationFailsClosed(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, func(c *VerifierConfig) { c.Revoker = failingRevoker{} })
	if _, err := v.Verify(f.issue(t, testClaims())); err == nil {
		t.Fatal("accepted while the revocation store was failing")
	}
}
