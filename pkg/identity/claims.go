package identity

import (
	"encoding/json"
	"fmt"
	"time"
)

// Claims is what a token asserts. Times are carried as whole seconds.
type Claims struct {
	Issuer    string    // iss; Issuer.Issue fills it
	Subject   string    // sub
	Audience  []string  // aud
	ExpiresAt time.Time // exp
	NotBefore time.Time // nbf; defaults to IssuedAt
	IssuedAt  time.Time // iat; defaults to now
	ID        string    // jti; defaults to 128 random bits
	Org       string    // org: organization id
	Groups    []string  // groups, optional
	Actor     *Actor    // act, optional
	// Chain is the jtis of the tokens this one was minted from, root
	// first (at most MaxChainDepth). Revoking any of them revokes this one.
	Chain []string // chain, optional
}

// Actor is the RFC 8693 "act" claim: who acts on behalf of the subject.
// Nested actors record a delegation chain.
type Actor struct {
	Subject string `json:"sub"`
	Actor   *Actor `json:"act,omitempty"`
}

// wireClaims is the JSON payload as issued; member order is fixed.
type wireClaims struct {
	Iss    string          `json:"iss"`
	Sub    string          `json:"sub"`
	Aud    json.RawMessage `json:"aud"`
	Exp    int64           `json:"exp"`
	Nbf    int64           `json:"nbf"`
	Iat    int64           `json:"iat"`
	Jti    string          `json:"jti"`
	Org    string          `json:"org,omitempty"`
	Groups []string        `json:"groups,omitempty"`
	Act    *Actor          `json:"act,omitempty"`
	Chain  []string        `json:"chain,omitempty"`
}

func marshalClaims(c Claims) ([]byte, error) {
	var aud []byte
	var err error
	// A single audience is a plain string (RFC 7519 4.1.3), which is what
	// most libraries expect to compare against.
	if len(c.Audience) == 1 {
		aud, err = json.Marshal(c.Audience[0])
	} else {
		aud, err = json.Marshal(c.Audience)
	}
	if err != nil {
		return nil, err
	}
	w := wireClaims{
		Iss: c.Issuer, Sub: c.Subject, Aud: aud,
		Exp: c.ExpiresAt.Unix(), Nbf: c.NotBefore.Unix(), Iat: c.IssuedAt.Unix(),
		Jti: c.ID, Org: c.Org, Groups: c.Groups, Act: c.Actor, Chain: c.Chain,
	}
	return json.Marshal(w)
}

// parseClaims decodes a payload by exact member names. Numbers must be
// integers; absent members stay zero and are judged by the verifier.
func parseClaims(payload []byte) (Claims, error) {
	obj, err := decodeObject(payload)
	if err != nil {
		return Claims{}, err
	}
	var c Claims
	var exp, nbf, iat *int64
	fields := map[string]any{
		"iss": &c.Issuer, "sub": &c.Subject, "jti": &c.ID, "org": &c.Org,
		"groups": &c.Groups, "act": &c.Actor, "chain": &c.Chain, "exp": &exp, "nbf": &nbf, "iat": &iat,
	}
	for name, dst := range fields {
		if raw, ok := obj[name]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return Claims{}, fmt.Errorf("claim %s: %w", name, err)
			}
		}
	}
	unix := func(p *int64) time.Time {
		if p == nil {
			return time.Time{}
		}
		return time.Unix(*p, 0).UTC()
	}
	c.ExpiresAt, c.NotBefore, c.IssuedAt = unix(exp), unix(nbf), unix(iat)
	if raw, ok := obj["aud"]; ok {
		// aud is either one string or an array of strings (RFC 7519 4.1.3).
		var one string
		if err := json.Unmarshal(raw, &one); err == nil && len(raw) > 0 && raw[0] == '"' {
			c.Audience = []string{one}
		} else if err := json.Unmarshal(raw, &c.Audience); err != nil {
			return Claims{}, fmt.Errorf("claim aud: %w", err)
		}
	}
	return c, nil
}
