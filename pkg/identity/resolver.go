package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// VerificationKey is the public half of a published hybrid pair.
type VerificationKey struct {
	ECKID string
	EC    *ecdsa.PublicKey
	PQKID string
	PQ    *mldsa65.PublicKey // nil when only the EC key is known
}

// KeyResolver finds the published pair for a token's "kid". It is the only
// way a verifier finds keys: token headers never name key material.
type KeyResolver interface {
	VerificationKey(ecKID string, now time.Time) (VerificationKey, bool)
}

// PublicKeys is a KeyResolver built from the two published JWKS documents,
// for services that verify tokens without holding the KeySet.
type PublicKeys struct {
	byKID map[string]VerificationKey
}

// ParsePublicJWKS builds a resolver from the EC JWKS and the AKP JWKS.
// akpJSON may be nil, in which case only PolicyClassicalAllowed can accept
// tokens. Keys with unexpected parameters are rejected, not skipped, so a
// broken publisher is noticed.
func ParsePublicJWKS(ecJSON, akpJSON []byte) (*PublicKeys, error) {
	var ecDoc jwks[ecJWK]
	if err := json.Unmarshal(ecJSON, &ecDoc); err != nil {
		return nil, fmt.Errorf("identity: parse EC JWKS: %w", err)
	}
	pk := &PublicKeys{byKID: map[string]VerificationKey{}}
	for _, k := range ecDoc.Keys {
		if k.Kty != "EC" || k.Crv != "P-256" || (k.Alg != "" && k.Alg != "ES256") {
			return nil, fmt.Errorf("identity: unsupported EC JWK %q", k.Kid)
		}
		x, errX := b64.DecodeString(k.X)
		y, errY := b64.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return nil, fmt.Errorf("identity: malformed EC JWK %q", k.Kid)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, fmt.Errorf("identity: EC JWK %q: %w", k.Kid, err)
		}
		// The kid is recomputed, never trusted, so a JWKS cannot alias keys.
		kid, err := ecThumbprint(pub)
		if err != nil || kid != k.Kid {
			return nil, fmt.Errorf("identity: EC JWK kid %q is not its thumbprint", k.Kid)
		}
		pk.byKID[kid] = VerificationKey{ECKID: kid, EC: pub}
	}
	if akpJSON == nil {
		return pk, nil
	}
	var akpDoc jwks[akpJWK]
	if err := json.Unmarshal(akpJSON, &akpDoc); err != nil {
		return nil, fmt.Errorf("identity: parse AKP JWKS: %w", err)
	}
	for _, k := range akpDoc.Keys {
		if k.Kty != "AKP" || k.Alg != "ML-DSA-65" {
			return nil, fmt.Errorf("identity: unsupported AKP JWK %q", k.Kid)
		}
		raw, err := b64.DecodeString(k.Pub)
		if err != nil || len(raw) != mldsa65.PublicKeySize {
			return nil, fmt.Errorf("identity: malformed AKP JWK %q", k.Kid)
		}
		if akpThumbprint(raw) != k.Kid {
			return nil, fmt.Errorf("identity: AKP JWK kid %q is not its thumbprint", k.Kid)
		}
		vk, ok := pk.byKID[k.ECKid]
		if !ok {
			return nil, fmt.Errorf("identity: AKP JWK %q pairs with unknown EC kid", k.Kid)
		}
		if vk.PQ != nil {
			return nil, errors.New("identity: EC key paired with two AKP keys")
		}
		pub := new(mldsa65.PublicKey)
		if err := pub.UnmarshalBinary(raw); err != nil {
			return nil, fmt.Errorf("identity: AKP JWK %q: %w", k.Kid, err)
		}
		vk.PQ, vk.PQKID = pub, k.Kid
		pk.byKID[k.ECKid] = vk
	}
	return pk, nil
}

// VerificationKey implements KeyResolver. The JWKS is already the
// publisher's view of what is valid, so now is not consulted.
func (p *PublicKeys) VerificationKey(ecKID string, _ time.Time) (VerificationKey, bool) {
	vk, ok := p.byKID[ecKID]
	return vk, ok
}
