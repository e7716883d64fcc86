package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
)

// p256HalfOrder is n/2 for P-256. ECDSA accepts both (r, s) and (r, n-s)
// for the same input; only the form with s <= n/2 ("low-S") is issued and
// accepted, so a token has exactly one valid encoding.
var p256HalfOrder = new(big.Int).Rsh(elliptic.P256().Params().N, 1)

// signES256Input signs a JWS signing input, returning R || S as JWS wants it
// (fixed width, RFC 7518 3.4, not ASN.1), with S in low form.
func signES256Input(key *ecdsa.PrivateKey, input string) ([64]byte, error) {
	var sig [64]byte
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return sig, fmt.Errorf("identity: ES256 sign: %w", err)
	}
	if s.Cmp(p256HalfOrder) > 0 {
		s.Sub(key.Curve.Params().N, s)
	}
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig, nil
}

// verifyES256 checks a JWS ES256 signature: exactly 64 bytes, R || S, S in
// low form.
func verifyES256(pub *ecdsa.PublicKey, signingInput string, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if s.Cmp(p256HalfOrder) > 0 {
		return false
	}
	digest := sha256.Sum256([]byte(signingInput))
	return ecdsa.Verify(pub, digest[:], r, s)
}
