package identity

import "strings"

// PeekClaims decodes a token's claims without checking its signatures, its
// times or anything else, so nothing it returns may be trusted. It is the
// one place the payload is read unverified, for the two uses that need no
// trust: deciding which verifier a token is for (its issuer) and refusing
// early a token that names another organization than the request. Tokens
// larger than DefaultMaxTokenSize are not read.
func PeekClaims(token string) (Claims, bool) {
	if len(token) > DefaultMaxTokenSize || strings.Count(token, ".") != 2 {
		return Claims{}, false
	}
	_, rest, _ := strings.Cut(token, ".")
	payload, _, _ := strings.Cut(rest, ".")
	data, err := b64.DecodeString(payload)
	if err != nil {
		return Claims{}, false
	}
	c, err := parseClaims(data)
	return c, err == nil
}
