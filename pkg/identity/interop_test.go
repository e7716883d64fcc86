package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	jwtv5 "github.com/golang-jwt/jwt/v5"
)

// These tests use only the published JSON documents and third-party code,
// never the verifier, to show what another implementation will see.

func TestGoJoseVerifiesFromECJWKS(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, testClaims())
	jwksJSON, err := f.keys.ECJWKS()
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwksJSON, &set); err != nil {
		t.Fatalf("go-jose cannot read the EC JWKS: %v", err)
	}
	parsed, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("go-jose refused the token (crit or header problem?): %v", err)
	}
	kid := parsed.Headers[0].KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("kid %q not found once in JWKS", kid)
	}
	var std josejwt.Claims
	var extra struct {
		Org string `json:"org"`
	}
	if err := parsed.Claims(keys[0].Key, &std, &extra); err != nil {
		t.Fatalf("go-jose signature check failed: %v", err)
	}
	err = std.ValidateWithLeeway(josejwt.Expected{
		Issuer: testIssuer, AnyAudience: josejwt.Audience{testAudience}, Time: f.clock.Now(),
	}, 30*time.Second)
	if err != nil {
		t.Fatalf("go-jose claim validation: %v", err)
	}
	if std.Subject != "user-42" || extra.Org != "org-7" {
		t.Fatalf("claims: %+v %+v", std, extra)
	}
	// The JWK thumbprint go-jose computes must be our kid.
	tp, err := keys[0].Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if base64.RawURLEncoding.EncodeToString(tp) != kid {
		t.Fatalf("kid %q is not the RFC 7638 thumbprint", kid)
	}
	// The ML-DSA proof header is there but go-jose ignored it.
	if _, ok := parsed.Headers[0].ExtraHeaders["pqsig"]; !ok {
		t.Fatal("pqsig header not carried")
	}
}

// ecKeyFromJWKS reads a P-256 key out of the JWKS JSON without any JOSE library.
func ecKeyFromJWKS(t *testing.T, jwksJSON []byte, kid string) *ecdsa.PublicKey {
	t.Helper()
	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(jwksJSON, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range doc.Keys {
		if k["kid"] != kid {
			continue
		}
		if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" {
			t.Fatalf("unexpected JWK shape %v", k)
		}
		x, _ := base64.RawURLEncoding.DecodeString(k["x"])
		y, _ := base64.RawURLEncoding.DecodeString(k["y"])
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			t.Fatal(err)
		}
		return pub
	}
	t.Fatalf("kid %q not in JWKS", kid)
	return nil
}

func TestGolangJWTVerifiesFromECJWKS(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, testClaims())
	jwksJSON, _ := f.keys.ECJWKS()
	parsed, err := jwtv5.Parse(tok, func(tk *jwtv5.Token) (any, error) {
		kid, _ := tk.Header["kid"].(string)
		return ecKeyFromJWKS(t, jwksJSON, kid), nil
	},
		jwtv5.WithValidMethods([]string{"ES256"}),
		jwtv5.WithIssuer(testIssuer),
		jwtv5.WithAudience(testAudience),
		jwtv5.WithExpirationRequired(),
		jwtv5.WithIssuedAt(),
		jwtv5.WithTimeFunc(f.clock.Now),
	)
	if err != nil {
		t.Fatalf("golang-jwt refused the token: %v", err)
	}
	if !parsed.Valid {
		t.Fatal("golang-jwt: token not valid")
	}
	claims := parsed.Claims.(jwtv5.MapClaims)
	if claims["sub"] != "user-42" || claims["org"] != "org-7" {
		t.Fatalf("claims: %v", claims)
	}
	if _, ok := parsed.Header["pqsig"].(string); !ok {
		t.Fatal("pqsig header not carried")
	}
}

// Ordinary libraries reject a whole set on an unknown kty (go-jose does),
// so the EC JWKS must never contain an AKP key.
func TestECJWKSHoldsOnlyECKeys(t *testing.T) {
	f := newFixture(t)
	ecJSON, _ := f.keys.ECJWKS()
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(ecJSON, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range doc.Keys {
		if k["kty"] != "EC" {
			t.Fatalf("non-EC key in EC JWKS: %v", k)
		}
	}
	akp, _ := f.keys.AKPJWKS()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(akp, &set); err != nil {
		t.Logf("go-jose on the AKP JWKS: %v (why it is separate)", err)
	}
}

func TestMLDSAProofFromAKPJWKSAlone(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, testClaims())
	akpJSON, err := f.keys.AKPJWKS()
	if err != nil {
		t.Fatal(err)
	}

	parts := strings.Split(tok, ".")
	hdrJSON, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	var hdr map[string]any
	if err := json.Unmarshal(hdrJSON, &hdr); err != nil {
		t.Fatal(err)
	}
	if _, ok := hdr["crit"]; ok {
		t.Fatal("crit must not be present")
	}
	pqkid, _ := hdr["pqkid"].(string)
	pqsigB64, _ := hdr["pqsig"].(string)
	sig, err := base64.RawURLEncoding.DecodeString(pqsigB64)
	if err != nil || len(sig) != mldsa65.SignatureSize {
		t.Fatalf("pqsig: %d bytes, %v", len(sig), err)
	}

	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(akpJSON, &doc); err != nil {
		t.Fatal(err)
	}
	var pubB64 string
	for _, k := range doc.Keys {
		if k["kid"] == pqkid {
			if k["kty"] != "AKP" || k["alg"] != "ML-DSA-65" || k["eckid"] != hdr["kid"] {
				t.Fatalf("unexpected AKP JWK %v", k)
			}
			pubB64 = k["pub"]
		}
	}
	if pubB64 == "" {
		t.Fatalf("pqkid %q not in AKP JWKS", pqkid)
	}

	// Thumbprint: json.Marshal of a map sorts keys and adds no spaces,
	// which is exactly the RFC 7638 canonical form.
	canon, _ := json.Marshal(map[string]string{"kty": "AKP", "alg": "ML-DSA-65", "pub": pubB64})
	sum := sha256.Sum256(canon)
	if got := base64.RawURLEncoding.EncodeToString(sum[:]); got != pqkid {
		t.Fatalf("pqkid %q is not the AKP thumbprint %q", pqkid, got)
	}

	raw, err := base64.RawURLEncoding.DecodeString(pubB64)
	if err != nil {
		t.Fatal(err)
	}
	var pub mldsa65.PublicKey
	if err := pub.UnmarshalBinary(raw); err != nil {
		t.Fatal(err)
	}
	// "microstax-hybrid-jwt-v1" 0x00 pqkid 0x00 payload-segment
	msg := []byte("microstax-hybrid-jwt-v1")
	msg = append(msg, 0)
	msg = append(msg, pqkid...)
	msg = append(msg, 0)
	msg = append(msg, parts[1]...)
	if !mldsa65.Verify(&pub, msg, []byte{}, sig) {
		t.Fatal("ML-DSA-65 signature does not verify from the AKP JWKS")
	}
	// And it is bound to the payload: one changed byte must fail.
	msg[len(msg)-1] ^= 1
	if mldsa65.Verify(&pub, msg, []byte{}, sig) {
		t.Fatal("ML-DSA-65 signature verified over altered bytes")
	}
}
