package identity

import (
	"testing"
	"time"
)

// TestNextKeyRefusedBeforeNotBefore: the next pair is published ahead so
// caches can fetch it, but a token it signed before its NotBefore was not
// issued by us (the Issuer never signs with it that early), so it is refused.
func TestNextKeyRefusedBeforeNotBefore(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, func(c *VerifierConfig) { c.Leeway = -1 })
	next := f.keys.Next()
	now := f.clock.Now()
	tok := signPayload(t, next, map[string]any{
		"iss": testIssuer, "sub": "user-42", "aud": testAudience, "jti": "early",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	if _, err := v.Verify(tok); Reason(err) != "kid is not a published key" {
		t.Fatalf("token of the next pair before its NotBefore: want refused, got %v (%s)", err, Reason(err))
	}
	f.clock.Advance(next.NotBefore().Sub(now))
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("at its NotBefore the next pair verifies: %s", Reason(err))
	}
}
