package identity

import (
	"crypto/elliptic"
	"math/big"
	"strings"
	"testing"
)

var p256Order = elliptic.P256().Params().N

// sigS returns the S half of a token's ES256 signature.
func sigS(t *testing.T, tok string) *big.Int {
	t.Helper()
	_, _, sigB64 := splitToken(t, tok)
	sig, err := b64.DecodeString(sigB64)
	if err != nil || len(sig) != 64 {
		t.Fatalf("signature: %d bytes, %v", len(sig), err)
	}
	return new(big.Int).SetBytes(sig[32:])
}

// withS replaces the S half of a token's ES256 signature.
func withS(t *testing.T, tok string, s *big.Int) string {
	t.Helper()
	i := strings.LastIndexByte(tok, '.')
	sig, err := b64.DecodeString(tok[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	s.FillBytes(sig[32:])
	return tok[:i+1] + b64.EncodeToString(sig)
}

func lowS(s *big.Int) bool {
	half := new(big.Int).Rsh(p256Order, 1)
	return s.Sign() > 0 && s.Cmp(half) <= 0
}

// TestHighSVariantRefused: (r, n-s) is a second valid ECDSA signature of
// the same input; accepting it would give one token two encodings.
func TestHighSVariantRefused(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, nil)
	tok := f.issue(t, testClaims())
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(Reason(err))
	}
	high := withS(t, tok, new(big.Int).Sub(p256Order, sigS(t, tok)))
	if _, err := v.Verify(high); Reason(err) != "ES256 signature invalid" {
		t.Fatalf("high-S variant: want refused as ES256 signature invalid, got %v (%s)", err, Reason(err))
	}
}

// TestIssuedSignaturesAreLowS: about half of raw ECDSA signatures are
// high-S, so many iterations would catch a missing normalization.
func TestIssuedSignaturesAreLowS(t *testing.T) {
	f := newFixture(t)
	kp := f.keys.Current()
	for i := 0; i < 256; i++ {
		tok, err := signJWS(kp.ec, []byte(`{"alg":"ES256"}`), "e30")
		if err != nil {
			t.Fatal(err)
		}
		if s := sigS(t, tok); !lowS(s) {
			t.Fatalf("signature %d is high-S", i)
		}
	}
	for i := 0; i < 16; i++ {
		if s := sigS(t, f.issue(t, testClaims())); !lowS(s) {
			t.Fatalf("issued token %d is high-S", i)
		}
	}
}
