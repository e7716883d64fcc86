package identity

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestJWKSShapes(t *testing.T) {
	f := newFixture(t)
	ecJSON, _ := f.keys.ECJWKS()
	akpJSON, _ := f.keys.AKPJWKS()
	var ec, akp struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(ecJSON, &ec); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(akpJSON, &akp); err != nil {
		t.Fatal(err)
	}
	if len(ec.Keys) != 2 || len(akp.Keys) != 2 {
		t.Fatalf("want current and next in both sets, got %d and %d", len(ec.Keys), len(akp.Keys))
	}
	cur := f.keys.Current()
	e, a := ec.Keys[0], akp.Keys[0]
	if e["kty"] != "EC" || e["crv"] != "P-256" || e["alg"] != "ES256" || e["use"] != "sig" ||
		e["kid"] != cur.ECKeyID() || len(e["x"]) != 43 || len(e["y"]) != 43 || len(e) != 7 {
		t.Fatalf("EC JWK shape: %v", e)
	}
	if a["kty"] != "AKP" || a["alg"] != "ML-DSA-65" || a["kid"] != cur.PQKeyID() || a["eckid"] != cur.ECKeyID() {
		t.Fatalf("AKP JWK shape: %v", a)
	}
	if _, has := e["d"]; has || strings.Contains(string(akpJSON), `"priv"`) {
		t.Fatal("private material published")
	}
	// ML-DSA-65 public keys are 1952 bytes: 2603 base64url characters.
	if len(a["pub"]) != 2603 {
		t.Fatalf("pub is %d characters", len(a["pub"]))
	}
}

func TestOIDCDiscovery(t *testing.T) {
	doc, err := OIDCDiscovery(testIssuer, testIssuer+"/jwks.json", testIssuer+"/jwks-akp.json")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	algs, _ := d["id_token_signing_alg_values_supported"].([]any)
	if d["issuer"] != testIssuer || d["jwks_uri"] != testIssuer+"/jwks.json" ||
		d[DiscoveryAKPJWKSURI] != testIssuer+"/jwks-akp.json" || len(algs) != 1 || algs[0] != "ES256" {
		t.Fatalf("discovery document: %s", doc)
	}
}

func TestParsePublicJWKSRejectsForgedKid(t *testing.T) {
	f := newFixture(t)
	ecJSON, _ := f.keys.ECJWKS()
	akpJSON, _ := f.keys.AKPJWKS()
	forged := strings.Replace(string(ecJSON), f.keys.Current().ECKeyID(), strings.Repeat("B", 43), 1)
	if _, err := ParsePublicJWKS([]byte(forged), akpJSON); err == nil {
		t.Fatal("accepted an EC JWK whose kid is not its thumbprint")
	}
	forged = strings.Replace(string(akpJSON), f.keys.Current().PQKeyID(), strings.Repeat("B", 43), 1)
	if _, err := ParsePublicJWKS(ecJSON, []byte(forged)); err == nil {
		t.Fatal("accepted an AKP JWK whose kid is not its thumbprint")
	}
}
