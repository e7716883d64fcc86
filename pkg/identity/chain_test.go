package identity

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestChainIsBoundedAndCarried(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, nil)
	chain, err := ChildChain(nil, "root")
	if err != nil {
		t.Fatal(err)
	}
	if chain, err = ChildChain(chain, "child"); err != nil {
		t.Fatalf("a grandchild is allowed: %v", err)
	}
	if _, err := ChildChain(chain, "grandchild"); !errors.Is(err, ErrChainTooDeep) {
		t.Fatalf("a great-grandchild: want ErrChainTooDeep, got %v", err)
	}
	c := testClaims()
	c.Chain = chain
	res, err := v.Verify(f.issue(t, c))
	if err != nil {
		t.Fatal(Reason(err))
	}
	if !slices.Equal(res.Chain, []string{"root", "child"}) {
		t.Fatalf("chain %v", res.Chain)
	}
	c.Chain = []string{"a", "b", "c"}
	if _, err := f.issuer.Issue(c); !errors.Is(err, ErrChainTooDeep) {
		t.Fatalf("issuing past the depth limit: %v", err)
	}
	// A token the issuer would not mint is refused by the verifier too.
	now := f.clock.Now()
	for name, chain := range map[string][]string{"too deep": {"a", "b", "c"}, "empty jti": {""}} {
		tok := signPayload(t, f.keys.Current(), map[string]any{
			"iss": testIssuer, "sub": "user-42", "aud": testAudience, "jti": "j",
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "chain": chain,
		})
		if _, err := v.Verify(tok); !strings.HasPrefix(Reason(err), "chain") {
			t.Errorf("%s chain: want refused, got %q", name, Reason(err))
		}
	}
}

// TestRevokingAnAncestorRevokesTheToken, also on a cache hit.
func TestRevokingAnAncestorRevokesTheToken(t *testing.T) {
	f := newFixture(t)
	r := NewMemoryRevoker(f.clock.Now)
	v := f.verifier(t, func(c *VerifierConfig) { c.Revoker = r; c.CacheSize = 8 })
	c := testClaims()
	c.Chain = []string{"root", "child"}
	tok := f.issue(t, c)
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(Reason(err))
	}
	if err := r.Revoke("another-org", "root", f.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("another organization's revocation of an ancestor jti: %s", Reason(err))
	}
	if err := r.Revoke(c.Org, "root", f.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok); !strings.Contains(Reason(err), "minted from is revoked") {
		t.Fatalf("root revoked: want refused, got %q", Reason(err))
	}
}

// TestIssuerRefusesWhatVerifiersWould: a token over the verifiers' size
// limit is refused at issue, not handed out unusable.
func TestIssuerRefusesWhatVerifiersWould(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, nil)
	c := testClaims()
	c.Subject = strings.Repeat("s", 8<<10)
	if _, err := f.issuer.Issue(c); !errors.Is(err, ErrTokenTooLarge) {
		t.Fatalf("a %d-byte subject: want ErrTokenTooLarge, got %v", len(c.Subject), err)
	}
	// A token just under the limit is issued, and verifies.
	c.Subject = strings.Repeat("s", 7000)
	tok := f.issue(t, c)
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("an issued %d-byte token: %s", len(tok), Reason(err))
	}
}
