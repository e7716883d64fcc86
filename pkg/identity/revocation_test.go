package identity

import (
	"errors"
	"testing"
	"time"
)

func TestMemoryRevokerForgetsExpiredEntries(t *testing.T) {
	clk := newTestClock()
	r := NewMemoryRevoker(clk.Now)
	if err := r.Revoke("acme", "a", clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.IsRevoked("acme", "a"); !ok {
		t.Fatal("not revoked")
	}
	if ok, _ := r.IsRevoked("acme", "b"); ok {
		t.Fatal("unknown jti reported revoked")
	}
	// Still revoked past exp, within the grace that covers verifier leeway.
	clk.Advance(time.Minute + DefaultLeeway)
	if ok, _ := r.IsRevoked("acme", "a"); !ok {
		t.Fatal("revocation lapsed inside the leeway window")
	}
	clk.Advance(RevocationGrace)
	if ok, _ := r.IsRevoked("acme", "a"); ok {
		t.Fatal("entry outlived the token")
	}
	if n := r.Len(); n != 0 {
		t.Fatalf("%d entries kept after expiry", n)
	}
}

// TestMemoryRevokerIsPerOrganization: a jti is not secret, so one
// organization's revocation must not withdraw another's token.
func TestMemoryRevokerIsPerOrganization(t *testing.T) {
	clk := newTestClock()
	r := NewMemoryRevoker(clk.Now)
	if err := r.Revoke("acme", "j", clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.IsRevoked("globex", "j"); ok {
		t.Fatal("acme's revocation withdrew globex's token")
	}
	if err := r.Unrevoke("acme", "j"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.IsRevoked("acme", "j"); ok {
		t.Fatal("still revoked after Unrevoke")
	}
}

func TestVerifierChecksRevocationInTheTokensOrganization(t *testing.T) {
	f := newFixture(t)
	r := NewMemoryRevoker(f.clock.Now)
	v := f.verifier(t, func(c *VerifierConfig) { c.Revoker = r })
	tok := f.issue(t, testClaims())
	res, err := v.Verify(tok)
	if err != nil {
		t.Fatal(Reason(err))
	}
	if err := r.Revoke("other-org", res.ID, res.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("another organization's revocation refused the token: %s", Reason(err))
	}
	if err := r.Revoke(res.Org, res.ID, res.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok); Reason(err) != "token revoked" {
		t.Fatalf("revoked in its organization: %q", Reason(err))
	}
}

type failingRevoker struct{}

func (failingRevoker) Revoke(string, string, time.Time) error { return nil }
func (failingRevoker) Unrevoke(string, string) error          { return nil }
func (failingRevoker) IsRevoked(string, string) (bool, error) {
	return false, errors.New("store down")
}

func TestRevocationFailsClosed(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, func(c *VerifierConfig) { c.Revoker = failingRevoker{} })
	if _, err := v.Verify(f.issue(t, testClaims())); err == nil {
		t.Fatal("accepted while the revocation store was failing")
	}
}
