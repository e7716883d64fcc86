package identity

import (
	"testing"
	"time"
)

func TestCacheStillChecksRevocation(t *testing.T) {
	f := newFixture(t)
	r := NewMemoryRevoker(f.clock.Now)
	v := f.verifier(t, func(c *VerifierConfig) { c.CacheSize = 8; c.Revoker = r })
	tok := f.issue(t, testClaims())
	res, err := v.Verify(tok)
	if err != nil {
		t.Fatal(Reason(err))
	}
	if v.cache.len() != 1 {
		t.Fatal("result not cached")
	}
	res.Groups[0] = "mutated" // callers must not be able to poison the cache
	again, err := v.Verify(tok)
	if err != nil || again.Groups[0] != "admins" || !again.PostQuantumVerified {
		t.Fatalf("cached result: %v %+v", Reason(err), again)
	}
	if err := r.Revoke(res.Org, res.ID, res.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok); Reason(err) != "token revoked" {
		t.Fatalf("cache hit ignored revocation: %q", Reason(err))
	}
}

func TestCacheExpiresWithToken(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, func(c *VerifierConfig) { c.CacheSize = 8; c.CacheTTL = time.Hour; c.Leeway = -1 })
	c := testClaims()
	c.ExpiresAt = f.clock.Now().Add(time.Minute)
	tok := f.issue(t, c)
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(Reason(err))
	}
	f.clock.Advance(time.Minute)
	if _, err := v.Verify(tok); err == nil {
		t.Fatal("cache served an expired token")
	}
}

func TestCacheIsBounded(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, func(c *VerifierConfig) { c.CacheSize = 3 })
	var first string
	for i := 0; i < 5; i++ {
		tok := f.issue(t, testClaims())
		if i == 0 {
			first = tok
		}
		if _, err := v.Verify(tok); err != nil {
			t.Fatal(Reason(err))
		}
	}
	if n := v.cache.len(); n != 3 {
		t.Fatalf("cache holds %d entries, want 3", n)
	}
	if _, ok := v.cache.get(cacheKey(first), f.clock.Now()); ok {
		t.Fatal("least recently used entry not evicted")
	}
}

// withdrawable lets a test unpublish every key at once, as an operator
// would after a key compromise.
type withdrawable struct {
	KeyResolver
	withdrawn bool
}

func (w *withdrawable) VerificationKey(kid string, now time.Time) (VerificationKey, bool) {
	if w.withdrawn {
		return VerificationKey{}, false
	}
	return w.KeyResolver.VerificationKey(kid, now)
}

func TestCacheStillChecksKeyPublication(t *testing.T) {
	f := newFixture(t)
	keys := &withdrawable{KeyResolver: f.keys}
	v, err := NewVerifier(keys, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Now: f.clock.Now, CacheSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	tok := f.issue(t, testClaims())
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(Reason(err))
	}
	keys.withdrawn = true
	if _, err := v.Verify(tok); Reason(err) != "signing key no longer published" {
		t.Fatalf("cache hit ignored key withdrawal: %q", Reason(err))
	}
}
