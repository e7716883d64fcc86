package identity

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// HybridDomain separates the ML-DSA signature of these tokens from any
// other use of the same key.
const HybridDomain = "microstax-hybrid-jwt-v1"

// DefaultLifetime is used when Claims.ExpiresAt is zero.
const DefaultLifetime = 15 * time.Minute

// ErrTokenTooLarge is returned by Issue for claims that make a token larger
// than verifiers accept (long subjects, audiences or actor chains).
var ErrTokenTooLarge = errors.New("identity: token too large")

// header is the JWS protected header. pqsig is deliberately not listed in
// "crit": ordinary JWT libraries must ignore it and still accept ES256.
type header struct {
	Alg   string          `json:"alg"`
	Typ   string          `json:"typ,omitempty"`
	Kid   string          `json:"kid"`
	PQKid string          `json:"pqkid,omitempty"`
	PQSig string          `json:"pqsig,omitempty"`
	Crit  json.RawMessage `json:"crit,omitempty"`
}

// pqSignedBytes is the ML-DSA message:
// HybridDomain || 0x00 || pqkid || 0x00 || base64url(payload).
// Binding the kid stops a signature being replayed under another key id;
// signing the encoded segment avoids any re-encoding ambiguity.
func pqSignedBytes(pqKID, payloadB64 string) []byte {
	var b bytes.Buffer
	b.Grow(len(HybridDomain) + 2 + len(pqKID) + len(payloadB64))
	b.WriteString(HybridDomain)
	b.WriteByte(0)
	b.WriteString(pqKID)
	b.WriteByte(0)
	b.WriteString(payloadB64)
	return b.Bytes()
}

// IssuerConfig configures an Issuer.
type IssuerConfig struct {
	// Issuer is the "iss" of every token, e.g. "https://id.example.com".
	Issuer string
	// DefaultLifetime applies when Claims.ExpiresAt is zero.
	DefaultLifetime time.Duration
	// MaxTokenSize is the largest token issued: the verifiers' limit, so
	// that no token is issued that they would refuse. 0 = DefaultMaxTokenSize.
	MaxTokenSize int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Issuer signs hybrid tokens with the current pair of a KeySet.
type Issuer struct {
	keys *KeySet
	cfg  IssuerConfig
}

// NewIssuer returns an Issuer for keys.
func NewIssuer(keys *KeySet, cfg IssuerConfig) (*Issuer, error) {
	if keys == nil || cfg.Issuer == "" {
		return nil, errors.New("identity: issuer needs a key set and an issuer name")
	}
	if cfg.DefaultLifetime <= 0 {
		cfg.DefaultLifetime = DefaultLifetime
	}
	if cfg.DefaultLifetime > keys.Overlap() {
		cfg.DefaultLifetime = keys.Overlap()
	}
	if cfg.MaxTokenSize <= 0 {
		cfg.MaxTokenSize = DefaultMaxTokenSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Issuer{keys: keys, cfg: cfg}, nil
}

// Issue fills iss, iat, nbf, exp and jti where unset and returns the
// compact hybrid JWS.
func (is *Issuer) Issue(c Claims) (string, error) {
	// Load the key before reading the clock: Rotate(t) only promotes a key
	// whose notBefore <= t, so a clock read afterwards is never earlier.
	kp := is.keys.Current()
	now := is.cfg.Now()
	if c.Issuer == "" {
		c.Issuer = is.cfg.Issuer
	}
	if c.Issuer != is.cfg.Issuer {
		return "", errors.New("identity: claims name another issuer")
	}
	if c.Subject == "" || len(c.Audience) == 0 {
		return "", errors.New("identity: sub and aud are required")
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = now
	}
	if c.NotBefore.IsZero() {
		c.NotBefore = c.IssuedAt
	}
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = c.IssuedAt.Add(is.cfg.DefaultLifetime)
	}
	// A token outliving the overlap window would stop verifying when its
	// key is unpublished, so the window caps the lifetime.
	if !c.ExpiresAt.After(c.IssuedAt) || c.ExpiresAt.Sub(c.IssuedAt) > is.keys.Overlap() {
		return "", errors.New("identity: token lifetime outside (0, overlap]")
	}
	if err := checkChain(c.Chain); err != nil {
		return "", err
	}
	if c.ID == "" {
		var id [16]byte
		if _, err := rand.Read(id[:]); err != nil {
			return "", err
		}
		c.ID = b64.EncodeToString(id[:])
	}
	if now.Before(kp.notBefore) {
		return "", errors.New("identity: current key not yet allowed to sign")
	}
	payload, err := marshalClaims(c)
	if err != nil {
		return "", err
	}
	token, err := signHybrid(kp, payload)
	if err != nil {
		return "", err
	}
	if len(token) > is.cfg.MaxTokenSize {
		return "", fmt.Errorf("%w: it would be %d bytes, verifiers accept at most %d", ErrTokenTooLarge, len(token), is.cfg.MaxTokenSize)
	}
	return token, nil
}

// signHybrid signs payload with ML-DSA first (its signature goes into the
// header) and then with ES256 over the full header and payload.
func signHybrid(kp *KeyPair, payload []byte) (string, error) {
	payloadB64 := b64.EncodeToString(payload)
	pqSig := make([]byte, mldsa65.SignatureSize)
	// Hedged signing (randomized=true) per FIPS 204; empty context string.
	if err := mldsa65.SignTo(kp.pqPriv, pqSignedBytes(kp.pqKID, payloadB64), nil, true, pqSig); err != nil {
		return "", fmt.Errorf("identity: ML-DSA sign: %w", err)
	}
	h := header{Alg: "ES256", Typ: "JWT", Kid: kp.ecKID, PQKid: kp.pqKID, PQSig: b64.EncodeToString(pqSig)}
	return signES256(kp.ec, h, payloadB64)
}

// signES256 produces the compact JWS for a header and encoded payload.
func signES256(key *ecdsa.PrivateKey, h header, payloadB64 string) (string, error) {
	hdr, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	return signJWS(key, hdr, payloadB64)
}

// signJWS signs an already encoded header JSON and payload segment.
func signJWS(key *ecdsa.PrivateKey, hdrJSON []byte, payloadB64 string) (string, error) {
	input := b64.EncodeToString(hdrJSON) + "." + payloadB64
	sig, err := signES256Input(key, input)
	if err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig[:]), nil
}
