package identity

import (
	"strings"
	"testing"
)

func TestPeekClaims(t *testing.T) {
	enc := func(payload string) string { return "e30." + b64.EncodeToString([]byte(payload)) + ".c2ln" }
	c, ok := PeekClaims(enc(`{"iss":"https://id.example","org":"acme","sub":"alice"}`))
	if !ok || c.Issuer != "https://id.example" || c.Org != "acme" || c.Subject != "alice" {
		t.Fatalf("PeekClaims = %+v, %v", c, ok)
	}
	for name, token := range map[string]string{
		"two parts":         "e30.e30",
		"payload encoding":  "e30.!!!.c2ln",
		"not an object":     enc(`[1]`),
		"duplicate member":  enc(`{"org":"acme","org":"globex"}`),
		"wrong claim type":  enc(`{"org":7}`),
		"larger than bound": enc(`{"org":"acme","pad":"` + strings.Repeat("x", DefaultMaxTokenSize) + `"}`),
	} {
		if c, ok := PeekClaims(token); ok {
			t.Errorf("%s: PeekClaims accepted it: %+v", name, c)
		}
	}
}
