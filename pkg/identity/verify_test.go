package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

func TestVerifyAcceptsHybridToken(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, testClaims())
	res, err := f.verifier(t, nil).Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v (%s)", err, Reason(err))
	}
	if !res.ClassicalVerified || !res.PostQuantumVerified {
		t.Fatalf("want both signatures verified, got %+v", res)
	}
	if res.Subject != "user-42" || res.Org != "org-7" || res.Actor == nil || res.Actor.Subject != "svc-gateway" ||
		len(res.Groups) != 2 || len(res.Audience) != 2 || res.ID == "" || res.KeyID != f.keys.Current().ECKeyID() {
		t.Fatalf("claims not carried through: %+v", res)
	}
	if want := f.clock.Now().Add(15 * time.Minute); !res.ExpiresAt.Equal(want) {
		t.Fatalf("exp = %v, want %v", res.ExpiresAt, want)
	}
}

// signPayload builds a token with both signatures valid over an arbitrary payload,
// for claims the Issuer would refuse to produce.
func signPayload(t *testing.T, kp *KeyPair, payload map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := signHybrid(kp, raw)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func flipLastChar(s string) string {
	c := byte('A')
	if s[len(s)-1] == 'A' {
		c = 'Q'
	}
	return s[:len(s)-1] + string(c)
}

func TestVerifyRefusals(t *testing.T) {
	f := newFixture(t)
	other := newFixture(t) // unrelated key set
	kp := f.keys.Current()
	now := f.clock.Now()
	good := f.issue(t, testClaims())
	basePayload := func() map[string]any {
		return map[string]any{
			"iss": testIssuer, "sub": "user-42", "aud": testAudience, "jti": "j-1",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		}
	}
	pqSigOf := func(tok string) []byte {
		h, _, _ := splitToken(t, tok)
		sig, err := b64.DecodeString(h.PQSig)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	revoker := NewMemoryRevoker(f.clock.Now)
	revokedTok := f.issue(t, testClaims())
	_, rp, _ := splitToken(t, revokedTok)
	rawClaims, _ := b64.DecodeString(rp)
	rc, _ := parseClaims(rawClaims)
	if err := revoker.Revoke(rc.Org, rc.ID, rc.ExpiresAt); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		token  func() string
		reason string // substring of Reason(err) proving which check refused
		policy Policy
	}{
		{"expired", func() string {
			c := testClaims()
			c.IssuedAt = now.Add(-20 * time.Minute)
			c.ExpiresAt = now.Add(-31 * time.Second) // just past the 30s leeway
			return f.issue(t, c)
		}, "expired", PolicyHybrid},
		{"not yet valid", func() string {
			c := testClaims()
			c.NotBefore = now.Add(31 * time.Second)
			return f.issue(t, c)
		}, "not yet valid", PolicyHybrid},
		{"issued in the future", func() string {
			c := testClaims()
			c.IssuedAt = now.Add(time.Minute)
			c.NotBefore = now
			return f.issue(t, c)
		}, "future", PolicyHybrid},
		{"wrong audience", func() string {
			c := testClaims()
			c.Audience = []string{"someone-else"}
			return f.issue(t, c)
		}, "audience", PolicyHybrid},
		{"wrong issuer", func() string {
			p := basePayload()
			p["iss"] = "https://evil.test"
			return signPayload(t, kp, p)
		}, "wrong issuer", PolicyHybrid},
		{"jti missing", func() string {
			p := basePayload()
			delete(p, "jti")
			return signPayload(t, kp, p)
		}, "jti missing", PolicyHybrid},
		{"exp missing", func() string {
			p := basePayload()
			delete(p, "exp")
			return signPayload(t, kp, p)
		}, "exp missing", PolicyHybrid},
		{"exp not an integer", func() string {
			tok, err := signHybrid(kp, []byte(`{"iss":"`+testIssuer+`","sub":"a","aud":"`+testAudience+`","exp":9999999999.5,"jti":"x"}`))
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, "payload JSON", PolicyHybrid},
		{"pq proof removed, ES256 re-signed", func() string {
			return resign(t, kp, good, func(h *header) { h.PQSig, h.PQKid = "", "" })
		}, "ML-DSA proof missing", PolicyHybrid},
		{"pqsig removed, pqkid kept", func() string {
			return resign(t, kp, good, func(h *header) { h.PQSig = "" })
		}, "together", PolicyClassicalAllowed},
		{"pq signature altered", func() string {
			sig := pqSigOf(good)
			sig[100] ^= 0x01
			return resign(t, kp, good, func(h *header) { h.PQSig = b64.EncodeToString(sig) })
		}, "ML-DSA signature invalid", PolicyHybrid},
		{"pq signature altered, classical allowed", func() string {
			sig := pqSigOf(good)
			sig[len(sig)/2] ^= 0x80
			return resign(t, kp, good, func(h *header) { h.PQSig = b64.EncodeToString(sig) })
		}, "ML-DSA signature invalid", PolicyClassicalAllowed},
		{"pq signature truncated", func() string {
			sig := pqSigOf(good)
			return resign(t, kp, good, func(h *header) { h.PQSig = b64.EncodeToString(sig[:len(sig)-1]) })
		}, "ML-DSA signature malformed", PolicyHybrid},
		{"pq signature truncated, classical allowed", func() string {
			sig := pqSigOf(good)
			return resign(t, kp, good, func(h *header) { h.PQSig = b64.EncodeToString(sig[:64]) })
		}, "ML-DSA signature malformed", PolicyClassicalAllowed},
		{"pq signature from another ML-DSA key, same pqkid", func() string {
			_, p, _ := splitToken(t, good)
			stranger := other.keys.Current()
			sig := make([]byte, mldsa65.SignatureSize)
			if err := mldsa65.SignTo(stranger.pqPriv, pqSignedBytes(kp.pqKID, p), nil, true, sig); err != nil {
				t.Fatal(err)
			}
			return resign(t, kp, good, func(h *header) { h.PQSig = b64.EncodeToString(sig) })
		}, "ML-DSA signature invalid", PolicyHybrid},
		{"pq signature and pqkid from another ML-DSA key", func() string {
			_, p, _ := splitToken(t, good)
			stranger := other.keys.Current()
			sig := make([]byte, mldsa65.SignatureSize)
			if err := mldsa65.SignTo(stranger.pqPriv, pqSignedBytes(stranger.pqKID, p), nil, true, sig); err != nil {
				t.Fatal(err)
			}
			return resign(t, kp, good, func(h *header) { h.PQSig, h.PQKid = b64.EncodeToString(sig), stranger.pqKID })
		}, "pqkid is not paired", PolicyClassicalAllowed},
		{"pq proof of our own next key", func() string {
			_, p, _ := splitToken(t, good)
			next := f.keys.Next()
			sig := make([]byte, mldsa65.SignatureSize)
			if err := mldsa65.SignTo(next.pqPriv, pqSignedBytes(next.pqKID, p), nil, true, sig); err != nil {
				t.Fatal(err)
			}
			return resign(t, kp, good, func(h *header) { h.PQSig, h.PQKid = b64.EncodeToString(sig), next.pqKID })
		}, "pqkid is not paired", PolicyHybrid},
		{"pq signature replayed from another token", func() string {
			donor := f.issue(t, Claims{Subject: "someone-else", Audience: []string{testAudience}})
			dh, _, _ := splitToken(t, donor)
			return resign(t, kp, good, func(h *header) { h.PQSig = dh.PQSig })
		}, "ML-DSA signature invalid", PolicyHybrid},
		{"header altered", func() string {
			parts := strings.Split(good, ".")
			h, _ := b64.DecodeString(parts[0])
			h = []byte(strings.Replace(string(h), `"typ":"JWT"`, `"typ":"JWT","x":1`, 1))
			return b64.EncodeToString(h) + "." + parts[1] + "." + parts[2]
		}, "ES256 signature invalid", PolicyHybrid},
		{"payload altered", func() string {
			parts := strings.Split(good, ".")
			p, _ := b64.DecodeString(parts[1])
			p = []byte(strings.Replace(string(p), `"user-42"`, `"user-43"`, 1))
			return parts[0] + "." + b64.EncodeToString(p) + "." + parts[2]
		}, "ES256 signature invalid", PolicyHybrid},
		{"ES256 signature altered", func() string {
			parts := strings.Split(good, ".")
			sig, _ := b64.DecodeString(parts[2])
			sig[5] ^= 1
			return parts[0] + "." + parts[1] + "." + b64.EncodeToString(sig)
		}, "ES256 signature invalid", PolicyHybrid},
		{"ES256 signature in ASN.1 length", func() string {
			parts := strings.Split(good, ".")
			return parts[0] + "." + parts[1] + "." + b64.EncodeToString(make([]byte, 72))
		}, "ES256 signature invalid", PolicyHybrid},
		{"alg none, empty signature", func() string {
			_, p, _ := splitToken(t, good)
			return b64.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"`+kp.ecKID+`"}`)) + "." + p + "."
		}, "empty JWS segment", PolicyClassicalAllowed},
		{"alg none with a signature segment", func() string {
			h, p, s := splitToken(t, good)
			h.Alg = "none"
			hj, _ := json.Marshal(h)
			return b64.EncodeToString(hj) + "." + p + "." + s
		}, "alg is not ES256", PolicyClassicalAllowed},
		{"HS256 keyed with the public key PEM", func() string {
			der, err := x509.MarshalPKIXPublicKey(kp.ECPublicKey())
			if err != nil {
				t.Fatal(err)
			}
			return hs256(t, good, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		}, "alg is not ES256", PolicyClassicalAllowed},
		{"HS256 keyed with the raw public point", func() string {
			raw, _ := kp.ECPublicKey().Bytes()
			return hs256(t, good, raw)
		}, "alg is not ES256", PolicyClassicalAllowed},
		{"HS256 keyed with the EC JWKS", func() string {
			jwks, _ := f.keys.ECJWKS()
			return hs256(t, good, jwks)
		}, "alg is not ES256", PolicyClassicalAllowed},
		{"RS256 header", func() string {
			return resign(t, kp, good, func(h *header) { h.Alg = "RS256" })
		}, "alg is not ES256", PolicyClassicalAllowed},
		{"lowercase es256", func() string {
			return resign(t, kp, good, func(h *header) { h.Alg = "es256" })
		}, "alg is not ES256", PolicyClassicalAllowed},
		{"header member names in other case", func() string {
			h, p, _ := splitToken(t, good)
			hj := `{"ALG":"ES256","KID":"` + h.Kid + `","PQKID":"` + h.PQKid + `","PQSIG":"` + h.PQSig + `"}`
			return signRawHeader(t, kp, hj, p)
		}, "alg is not ES256", PolicyClassicalAllowed},
		{"duplicate alg member", func() string {
			h, p, _ := splitToken(t, good)
			hj := `{"alg":"ES256","alg":"ES256","kid":"` + h.Kid + `","pqkid":"` + h.PQKid + `","pqsig":"` + h.PQSig + `"}`
			return signRawHeader(t, kp, hj, p)
		}, "duplicate member", PolicyClassicalAllowed},
		{"crit header", func() string {
			h, p, _ := splitToken(t, good)
			h.Crit = json.RawMessage(`["pqsig"]`)
			hj, _ := json.Marshal(h)
			return signRawHeader(t, kp, string(hj), p)
		}, "crit", PolicyHybrid},
		{"unknown kid", func() string {
			return resign(t, kp, good, func(h *header) { h.Kid = strings.Repeat("A", 43) })
		}, "not a published key", PolicyHybrid},
		{"kid of another key set", func() string {
			return other.issue(t, testClaims())
		}, "not a published key", PolicyHybrid},
		{"jwk header naming the attacker key is ignored", func() string {
			stranger := other.keys.Current()
			x, y, _ := ecPoint(stranger.ECPublicKey())
			_, p, _ := splitToken(t, other.issue(t, testClaims()))
			hj := `{"alg":"ES256","kid":"` + kp.ecKID + `","jwk":{"kty":"EC","crv":"P-256","x":"` + x + `","y":"` + y + `"},"jku":"https://evil.test/jwks"}`
			return signRawHeader(t, stranger, hj, p)
		}, "ES256 signature invalid", PolicyClassicalAllowed},
		{"revoked jti", func() string { return revokedTok }, "revoked", PolicyHybrid},
		{"too large", func() string {
			return good + strings.Repeat("A", DefaultMaxTokenSize)
		}, "too large", PolicyHybrid},
		{"two segments", func() string {
			parts := strings.Split(good, ".")
			return parts[0] + "." + parts[1]
		}, "three-part", PolicyHybrid},
		{"padded base64", func() string {
			parts := strings.Split(good, ".")
			return parts[0] + "." + parts[1] + "." + parts[2] + "=="
		}, "signature encoding", PolicyHybrid},
		{"payload not JSON", func() string {
			tok, err := signHybrid(kp, []byte("not json"))
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, "payload JSON", PolicyHybrid},
		{"duplicate sub claim", func() string {
			tok, err := signHybrid(kp, []byte(`{"iss":"`+testIssuer+`","sub":"a","sub":"b","aud":"`+testAudience+`","exp":9999999999,"jti":"x"}`))
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, "duplicate member", PolicyHybrid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := f.verifier(t, func(c *VerifierConfig) { c.Policy = tc.policy; c.Revoker = revoker })
			res, err := v.Verify(tc.token())
			if err == nil {
				t.Fatalf("accepted: %+v", res)
			}
			if !errors.Is(err, ErrInvalidToken) || err.Error() != ErrInvalidToken.Error() {
				t.Fatalf("error is not the opaque ErrInvalidToken: %v", err)
			}
			if res != nil {
				t.Fatal("result returned with an error")
			}
			if r := Reason(err); !strings.Contains(r, tc.reason) {
				t.Fatalf("refused for %q, want reason containing %q", r, tc.reason)
			}
		})
	}
}

// hs256 replaces the header alg with HS256 and MACs with key, the classic
// algorithm-confusion forgery.
func hs256(t *testing.T, tok string, key []byte) string {
	t.Helper()
	h, p, _ := splitToken(t, tok)
	h.Alg = "HS256"
	hj, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	input := b64.EncodeToString(hj) + "." + p
	m := hmac.New(sha256.New, key)
	m.Write([]byte(input))
	return input + "." + b64.EncodeToString(m.Sum(nil))
}

func TestClassicalAllowedPolicy(t *testing.T) {
	f := newFixture(t)
	kp := f.keys.Current()
	good := f.issue(t, testClaims())
	stripped := resign(t, kp, good, func(h *header) { h.PQSig, h.PQKid = "", "" })
	classical := f.verifier(t, func(c *VerifierConfig) { c.Policy = PolicyClassicalAllowed })

	res, err := classical.Verify(stripped)
	if err != nil {
		t.Fatalf("classical-allowed refused an ES256-only token: %s", Reason(err))
	}
	if !res.ClassicalVerified || res.PostQuantumVerified {
		t.Fatalf("want ES256 only, got %+v", res)
	}
	res, err = classical.Verify(good)
	if err != nil || !res.PostQuantumVerified {
		t.Fatalf("classical-allowed must still check a present proof: %v %+v", Reason(err), res)
	}
	if _, err := f.verifier(t, nil).Verify(stripped); err == nil {
		t.Fatal("hybrid policy accepted a token without ML-DSA proof")
	}
}

func TestVerifyFromPublishedJWKS(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, testClaims())
	ecJSON, _ := f.keys.ECJWKS()
	akpJSON, _ := f.keys.AKPJWKS()
	pub, err := ParsePublicJWKS(ecJSON, akpJSON)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(pub, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(tok)
	if err != nil || !res.PostQuantumVerified {
		t.Fatalf("JWKS-based verifier: %s %+v", Reason(err), res)
	}
	// Without the AKP JWKS only the classical policy can accept.
	ecOnly, err := ParsePublicJWKS(ecJSON, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _ = NewVerifier(ecOnly, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Now: f.clock.Now})
	if _, err := v.Verify(tok); err == nil {
		t.Fatal("hybrid policy accepted without any ML-DSA key")
	}
	v, _ = NewVerifier(ecOnly, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Policy: PolicyClassicalAllowed, Now: f.clock.Now})
	if res, err := v.Verify(tok); err != nil || res.PostQuantumVerified {
		t.Fatalf("classical with EC JWKS only: %s %+v", Reason(err), res)
	}
}

func TestLeewayIsConfigurable(t *testing.T) {
	f := newFixture(t)
	c := testClaims()
	c.IssuedAt = f.clock.Now().Add(-10 * time.Minute)
	c.ExpiresAt = f.clock.Now().Add(-20 * time.Second)
	tok := f.issue(t, c)
	if _, err := f.verifier(t, nil).Verify(tok); err != nil {
		t.Fatalf("20s past exp must pass the default 30s leeway: %s", Reason(err))
	}
	strict := f.verifier(t, func(c *VerifierConfig) { c.Leeway = -1 })
	if _, err := strict.Verify(tok); err == nil {
		t.Fatal("no-leeway verifier accepted an expired token")
	}
}

func TestReasonOfForeignError(t *testing.T) {
	if Reason(errors.New("x")) != "" || Reason(nil) != "" {
		t.Fatal("Reason must be empty for errors it did not make")
	}
}
