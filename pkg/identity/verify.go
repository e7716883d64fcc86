package identity

import (
	"errors"
	"slices"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// Policy decides whether the ML-DSA proof is mandatory.
type Policy int

const (
	// PolicyHybrid requires a valid ES256 signature and a valid ML-DSA-65
	// proof from the paired key. It is the default.
	PolicyHybrid Policy = iota
	// PolicyClassicalAllowed also accepts a valid ES256 token that carries
	// no ML-DSA proof. A proof that is present but wrong is still refused.
	PolicyClassicalAllowed
)

// Verifier defaults.
const (
	DefaultLeeway       = 30 * time.Second
	DefaultMaxTokenSize = 16 << 10
	DefaultCacheTTL     = time.Minute
)

// VerifierConfig configures a Verifier. Issuer and Audience are required.
type VerifierConfig struct {
	Issuer   string // expected iss, compared exactly
	Audience string // must be one of the token's aud values
	Policy   Policy
	// Leeway tolerates clock skew on exp, nbf and iat. Zero means
	// DefaultLeeway; a negative value means none.
	Leeway time.Duration
	// MaxTokenSize bounds the input before any parsing; 0 = default.
	MaxTokenSize int
	// Revoker, if set, is consulted on every verification, cached or not.
	Revoker Revoker
	// CacheSize > 0 enables the verification cache with that many entries.
	CacheSize int
	// CacheTTL bounds how long a result is cached; 0 = DefaultCacheTTL.
	CacheTTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Result is what a verified token says.
type Result struct {
	Subject   string
	Org       string
	Groups    []string
	Audience  []string
	ExpiresAt time.Time
	ID        string // jti
	Actor     *Actor
	Chain     []string // jtis of the tokens this one was minted from, root first
	KeyID     string   // EC kid that signed, for logs

	ClassicalVerified   bool // ES256 signature checked
	PostQuantumVerified bool // ML-DSA-65 proof checked
}

func (r Result) clone() Result {
	r.Groups = slices.Clone(r.Groups)
	r.Audience = slices.Clone(r.Audience)
	r.Chain = slices.Clone(r.Chain)
	r.Actor = r.Actor.clone()
	return r
}

func (a *Actor) clone() *Actor {
	if a == nil {
		return nil
	}
	return &Actor{Subject: a.Subject, Actor: a.Actor.clone()}
}

// Verifier checks hybrid tokens. It is safe for concurrent use.
type Verifier struct {
	keys  KeyResolver
	cfg   VerifierConfig
	cache *verifyCache
}

// NewVerifier returns a Verifier that finds keys only through keys.
func NewVerifier(keys KeyResolver, cfg VerifierConfig) (*Verifier, error) {
	if keys == nil || cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("identity: verifier needs keys, issuer and audience")
	}
	if cfg.Policy != PolicyHybrid && cfg.Policy != PolicyClassicalAllowed {
		return nil, errors.New("identity: unknown policy")
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	} else if cfg.Leeway < 0 {
		cfg.Leeway = 0
	}
	if cfg.MaxTokenSize <= 0 {
		cfg.MaxTokenSize = DefaultMaxTokenSize
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := &Verifier{keys: keys, cfg: cfg}
	if cfg.CacheSize > 0 {
		v.cache = newVerifyCache(cfg.CacheSize, cfg.CacheTTL)
	}
	return v, nil
}

// Verify checks token and returns its claims. Every refusal is
// ErrInvalidToken; Reason(err) tells operators why.
func (v *Verifier) Verify(token string) (*Result, error) {
	if len(token) > v.cfg.MaxTokenSize {
		return nil, refuse("token too large")
	}
	now := v.cfg.Now()
	var key [32]byte
	if v.cache != nil {
		key = cacheKey(token)
		if res, ok := v.cache.get(key, now); ok {
			// A key withdrawn early or a revocation must win over the cache.
			if _, ok := v.keys.VerificationKey(res.KeyID, now); !ok {
				return nil, refuse("signing key no longer published")
			}
			if err := v.checkRevoked(res); err != nil {
				return nil, err
			}
			return &res, nil
		}
	}
	res, err := v.verify(token, now)
	if err != nil {
		return nil, err
	}
	if err := v.checkRevoked(res); err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.put(key, res, now)
	}
	return &res, nil
}

// verify runs the uncached checks, cheapest and most decisive first.
func (v *Verifier) verify(token string, now time.Time) (Result, error) {
	t, err := parseCompact(token)
	if err != nil {
		return Result{}, err
	}
	// The algorithm is pinned: only ES256 is ever accepted, whatever the
	// header claims, so none/HS256/RS256 confusion cannot happen.
	if t.hdr.Alg != "ES256" {
		return Result{}, refuse("alg is not ES256")
	}
	if t.hdr.Typ != "" && t.hdr.Typ != "JWT" {
		return Result{}, refuse("unexpected typ")
	}
	vk, ok := v.keys.VerificationKey(t.hdr.Kid, now)
	if !ok || vk.EC == nil {
		return Result{}, refuse("kid is not a published key")
	}
	if !verifyES256(vk.EC, t.signingInput, t.sig) {
		return Result{}, refuse("ES256 signature invalid")
	}
	pqOK, err := v.checkPQ(t, vk)
	if err != nil {
		return Result{}, err
	}
	payload, err := b64.DecodeString(t.payloadB64)
	if err != nil {
		return Result{}, refuseWith("payload encoding", err)
	}
	c, err := parseClaims(payload)
	if err != nil {
		return Result{}, refuseWith("payload JSON", err)
	}
	if err := v.checkClaims(c, now); err != nil {
		return Result{}, err
	}
	return Result{
		Subject: c.Subject, Org: c.Org, Groups: c.Groups, Audience: c.Audience,
		ExpiresAt: c.ExpiresAt, ID: c.ID, Actor: c.Actor, Chain: c.Chain, KeyID: vk.ECKID,
		ClassicalVerified: true, PostQuantumVerified: pqOK,
	}, nil
}

// checkPQ applies the policy to the ML-DSA proof. A proof that is present
// is always checked and must be valid, whatever the policy.
func (v *Verifier) checkPQ(t *parsedToken, vk VerificationKey) (bool, error) {
	if t.hdr.PQSig == "" {
		if v.cfg.Policy == PolicyHybrid {
			return false, refuse("ML-DSA proof missing")
		}
		return false, nil
	}
	if vk.PQ == nil {
		if v.cfg.Policy == PolicyHybrid {
			return false, refuse("no ML-DSA key known for kid")
		}
		return false, nil // cannot check, but ES256 alone is allowed
	}
	if t.hdr.PQKid != vk.PQKID {
		return false, refuse("pqkid is not paired with kid")
	}
	sig, err := b64.DecodeString(t.hdr.PQSig)
	if err != nil || len(sig) != mldsa65.SignatureSize {
		return false, refuse("ML-DSA signature malformed")
	}
	if !mldsa65.Verify(vk.PQ, pqSignedBytes(vk.PQKID, t.payloadB64), nil, sig) {
		return false, refuse("ML-DSA signature invalid")
	}
	return true, nil
}

func (v *Verifier) checkClaims(c Claims, now time.Time) error {
	lw := v.cfg.Leeway
	switch {
	case c.Issuer != v.cfg.Issuer:
		return refuse("wrong issuer")
	case !slices.Contains(c.Audience, v.cfg.Audience):
		return refuse("audience not accepted")
	case c.ExpiresAt.IsZero():
		return refuse("exp missing")
	case !now.Before(c.ExpiresAt.Add(lw)):
		return refuse("token expired")
	case !c.NotBefore.IsZero() && now.Add(lw).Before(c.NotBefore):
		return refuse("token not yet valid")
	case !c.IssuedAt.IsZero() && now.Add(lw).Before(c.IssuedAt):
		return refuse("token issued in the future")
	case c.ID == "":
		return refuse("jti missing")
	case c.Subject == "":
		return refuse("sub missing")
	}
	if err := checkChain(c.Chain); err != nil {
		return refuseWith("chain", err)
	}
	return nil
}

// checkRevoked asks the Revoker about the token and each token it was
// minted from, within the token's own organization only: revoking a token
// revokes what was minted from it.
func (v *Verifier) checkRevoked(res Result) error {
	if v.cfg.Revoker == nil {
		return nil
	}
	for _, jti := range append([]string{res.ID}, res.Chain...) {
		revoked, err := v.cfg.Revoker.IsRevoked(res.Org, jti)
		if err != nil {
			return refuseWith("revocation check failed", err)
		}
		if revoked && jti == res.ID {
			return refuse("token revoked")
		}
		if revoked {
			return refuse("a token it was minted from is revoked")
		}
	}
	return nil
}
