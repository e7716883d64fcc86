package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// b64 is the JOSE base64url alphabet without padding. Strict rejects
// non-zero trailing bits so that one value has exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()

// KeyPair is one hybrid signing identity: a P-256 key for ES256 and an
// ML-DSA-65 key. The two are always published, rotated and retired together.
type KeyPair struct {
	ec        *ecdsa.PrivateKey
	pqPriv    *mldsa65.PrivateKey
	pqPub     *mldsa65.PublicKey
	pqSeed    [mldsa65.SeedSize]byte
	ecKID     string
	pqKID     string
	createdAt time.Time
	notBefore time.Time
	retiredAt time.Time // zero while current or next
}

// GenerateKeyPair creates a fresh hybrid pair. notBefore is the earliest
// time the pair may sign; setting it in the future lets relying parties
// fetch the public keys before any token depends on them.
func GenerateKeyPair(now, notBefore time.Time) (*KeyPair, error) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("identity: generate P-256 key: %w", err)
	}
	var seed [mldsa65.SeedSize]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("identity: generate ML-DSA seed: %w", err)
	}
	return newKeyPair(ec, seed, now, notBefore)
}

// newKeyPair assembles a pair from its secret material; it is also the
// load path, so the ML-DSA key is always re-derived from its seed.
func newKeyPair(ec *ecdsa.PrivateKey, seed [mldsa65.SeedSize]byte, createdAt, notBefore time.Time) (*KeyPair, error) {
	if ec == nil || ec.Curve != elliptic.P256() {
		return nil, errors.New("identity: EC key must be P-256")
	}
	pub, priv := mldsa65.NewKeyFromSeed(&seed)
	ecKID, err := ecThumbprint(&ec.PublicKey)
	if err != nil {
		return nil, err
	}
	return &KeyPair{
		ec:        ec,
		pqPriv:    priv,
		pqPub:     pub,
		pqSeed:    seed,
		ecKID:     ecKID,
		pqKID:     akpThumbprint(pub.Bytes()),
		createdAt: createdAt.UTC(),
		notBefore: notBefore.UTC(),
	}, nil
}

// ECKeyID is the RFC 7638 thumbprint of the P-256 public key (JWS "kid").
func (k *KeyPair) ECKeyID() string { return k.ecKID }

// PQKeyID is the AKP thumbprint of the ML-DSA-65 public key ("pqkid").
func (k *KeyPair) PQKeyID() string { return k.pqKID }

// ECPublicKey returns the ES256 verification key.
func (k *KeyPair) ECPublicKey() *ecdsa.PublicKey { return &k.ec.PublicKey }

// MLDSAPublicKey returns the ML-DSA-65 verification key.
func (k *KeyPair) MLDSAPublicKey() *mldsa65.PublicKey { return k.pqPub }

// CreatedAt is when the pair was generated.
func (k *KeyPair) CreatedAt() time.Time { return k.createdAt }

// NotBefore is the earliest time the pair may sign.
func (k *KeyPair) NotBefore() time.Time { return k.notBefore }

// RetiredAt is when the pair stopped signing; zero while it is current or next.
func (k *KeyPair) RetiredAt() time.Time { return k.retiredAt }

// withRetired returns a copy retired at t; KeyPairs handed out are never
// mutated, so readers need no lock.
func (k *KeyPair) withRetired(t time.Time) *KeyPair {
	c := *k
	c.retiredAt = t.UTC()
	return &c
}

// withNotBefore returns a copy that may sign from t.
func (k *KeyPair) withNotBefore(t time.Time) *KeyPair {
	c := *k
	c.notBefore = t.UTC()
	return &c
}

// ecPoint returns the base64url X and Y coordinates of a P-256 key.
func ecPoint(pub *ecdsa.PublicKey) (x, y string, err error) {
	raw, err := pub.Bytes() // 0x04 || X || Y, each 32 bytes
	if err != nil || len(raw) != 65 {
		return "", "", errors.New("identity: invalid P-256 public key")
	}
	return b64.EncodeToString(raw[1:33]), b64.EncodeToString(raw[33:]), nil
}

// ecThumbprint is RFC 7638: SHA-256 over the required members in
// lexicographic order with no whitespace.
func ecThumbprint(pub *ecdsa.PublicKey) (string, error) {
	x, y, err := ecPoint(pub)
	if err != nil {
		return "", err
	}
	canon := `{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:]), nil
}

// akpThumbprint is the RFC 7638 thumbprint applied to an AKP (ML-DSA in
// JOSE) key, whose required members are alg, kty and pub.
func akpThumbprint(pub []byte) string {
	canon := `{"alg":"ML-DSA-65","kty":"AKP","pub":"` + b64.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:])
}
