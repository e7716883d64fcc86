package identity

import (
	"encoding/json"
)

// ecJWK is a standard P-256 JWK as published in the EC JWKS.
type ecJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// akpJWK is an ML-DSA-65 key in the JOSE "AKP" key type. ECKid is our
// own member naming the EC key it is paired with, so a remote verifier
// can check that "pqkid" belongs to the token's "kid".
type akpJWK struct {
	Kty   string `json:"kty"`
	Alg   string `json:"alg"`
	Pub   string `json:"pub"`
	Kid   string `json:"kid"`
	Use   string `json:"use,omitempty"`
	ECKid string `json:"eckid"`
}

type jwks[K any] struct {
	Keys []K `json:"keys"`
}

// ECJWKS returns the JWKS document of the published P-256 keys (current,
// next and retired-but-in-overlap). It contains only standard members so
// any OIDC library can consume it.
func (ks *KeySet) ECJWKS() ([]byte, error) {
	doc := jwks[ecJWK]{Keys: []ecJWK{}}
	for _, p := range ks.Published(ks.now()) {
		x, y, err := ecPoint(p.ECPublicKey())
		if err != nil {
			return nil, err
		}
		doc.Keys = append(doc.Keys, ecJWK{
			Kty: "EC", Crv: "P-256", X: x, Y: y, Kid: p.ecKID, Alg: "ES256", Use: "sig",
		})
	}
	return json.Marshal(doc)
}

// AKPJWKS returns the ML-DSA-65 keys as a separate JWKS, kept apart from
// the EC one because many libraries reject a whole JWKS containing an
// unknown key type.
func (ks *KeySet) AKPJWKS() ([]byte, error) {
	doc := jwks[akpJWK]{Keys: []akpJWK{}}
	for _, p := range ks.Published(ks.now()) {
		doc.Keys = append(doc.Keys, akpJWK{
			Kty: "AKP", Alg: "ML-DSA-65", Pub: b64.EncodeToString(p.pqPub.Bytes()),
			Kid: p.pqKID, Use: "sig", ECKid: p.ecKID,
		})
	}
	return json.Marshal(doc)
}

// DiscoveryAKPJWKSURI is the discovery member naming the AKP JWKS.
const DiscoveryAKPJWKSURI = "microstax_akp_jwks_uri"

// OIDCDiscovery builds the /.well-known/openid-configuration document.
// Only ES256 is advertised: the ML-DSA proof rides inside the ES256 JWS and
// is found through the extra DiscoveryAKPJWKSURI member.
func OIDCDiscovery(issuer, jwksURI, akpJWKSURI string) ([]byte, error) {
	return json.Marshal(map[string]any{
		"issuer":                                issuer,
		"jwks_uri":                              jwksURI,
		"id_token_signing_alg_values_supported": []string{"ES256"},
		// Required by OpenID Connect Discovery 1.0 section 3.
		"response_types_supported": []string{"id_token"},
		"subject_types_supported":  []string{"public"},
		DiscoveryAKPJWKSURI:        akpJWKSURI,
	})
}
