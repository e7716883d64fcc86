package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// fixedKeyPair derives a pair from a label so fuzz corpus entries signed in
// one run still carry valid signatures in the next.
func fixedKeyPair(tb testing.TB, label string, at time.Time) *KeyPair {
	tb.Helper()
	ecSeed := sha256.Sum256([]byte("ec/" + label))
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), ecSeed[:])
	if err != nil {
		tb.Fatal(err)
	}
	seed := sha256.Sum256([]byte("mldsa/" + label))
	kp, err := newKeyPair(ec, [mldsa65.SeedSize]byte(seed), at, at)
	if err != nil {
		tb.Fatal(err)
	}
	return kp
}

func FuzzParseAndVerify(f *testing.F) {
	clk := newTestClock()
	now := clk.Now()
	ks := &KeySet{
		cfg:     KeySetConfig{Overlap: time.Hour, PublishAhead: time.Minute, Now: clk.Now},
		current: fixedKeyPair(f, "current", now),
		next:    fixedKeyPair(f, "next", now),
	}
	iss, err := NewIssuer(ks, IssuerConfig{Issuer: testIssuer, Now: clk.Now})
	if err != nil {
		f.Fatal(err)
	}
	good, err := iss.Issue(testClaims())
	if err != nil {
		f.Fatal(err)
	}
	kp := ks.current
	stripped := resign(f, kp, good, func(h *header) { h.PQSig, h.PQKid = "", "" })
	parts := strings.Split(good, ".")
	for _, seed := range []string{
		good, stripped,
		resign(f, kp, good, func(h *header) { h.PQSig = h.PQSig[:100] }),
		resign(f, kp, good, func(h *header) { h.PQSig = flipLastChar(h.PQSig) }),
		resign(f, kp, good, func(h *header) { h.Alg = "none" }),
		parts[0] + "." + parts[1] + ".",
		parts[0] + "." + flipLastChar(parts[1]) + "." + parts[2],
		"", ".", "..", "...", "a.b.c", "eyJhbGciOiJFUzI1NiJ9..",
		"eyJhbGciOiJub25lIn0.e30.",
	} {
		f.Add(seed)
	}

	hybrid, _ := NewVerifier(ks, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Now: clk.Now, CacheSize: 16})
	classical, _ := NewVerifier(ks, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Now: clk.Now, Policy: PolicyClassicalAllowed})
	if _, err := hybrid.Verify(good); err != nil {
		f.Fatalf("seed token must verify: %s", Reason(err))
	}
	f.Fuzz(func(t *testing.T, token string) {
		hres, herr := hybrid.Verify(token)
		cres, cerr := classical.Verify(token)
		for _, err := range []error{herr, cerr} {
			if err != nil && (!errors.Is(err, ErrInvalidToken) || err.Error() != ErrInvalidToken.Error() || Reason(err) == "") {
				t.Fatalf("non-opaque error %v", err)
			}
		}
		if herr == nil {
			if hres == nil || !hres.ClassicalVerified || !hres.PostQuantumVerified {
				t.Fatalf("hybrid accepted without both proofs: %+v", hres)
			}
			if cerr != nil {
				t.Fatalf("classical-allowed refused what hybrid accepted: %s", Reason(cerr))
			}
		}
		if cerr == nil && (cres == nil || !cres.ClassicalVerified) {
			t.Fatalf("classical accepted without ES256: %+v", cres)
		}
	})
}
