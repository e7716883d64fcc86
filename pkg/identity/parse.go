package identity

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// parsedToken is a compact JWS split into its parts. Nothing in it is
// trusted until the verifier has checked the signatures.
type parsedToken struct {
	hdr          header
	signingInput string // base64url(header) "." base64url(payload)
	payloadB64   string
	sig          []byte
}

// parseCompact splits and decodes a compact JWS with strict base64url.
func parseCompact(token string) (*parsedToken, error) {
	if strings.Count(token, ".") != 2 {
		return nil, refuse("not a three-part compact JWS")
	}
	h, rest, _ := strings.Cut(token, ".")
	p, s, _ := strings.Cut(rest, ".")
	if h == "" || p == "" || s == "" {
		return nil, refuse("empty JWS segment")
	}
	hdrJSON, err := b64.DecodeString(h)
	if err != nil {
		return nil, refuseWith("header encoding", err)
	}
	sig, err := b64.DecodeString(s)
	if err != nil {
		return nil, refuseWith("signature encoding", err)
	}
	hdr, err := parseHeader(hdrJSON)
	if err != nil {
		return nil, err
	}
	return &parsedToken{hdr: hdr, signingInput: token[:len(h)+1+len(p)], payloadB64: p, sig: sig}, nil
}

// parseHeader reads only the members the verifier uses. jku, jwk, x5u and
// x5c are never looked at: keys come only from the KeyResolver.
func parseHeader(data []byte) (header, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return header{}, refuseWith("header JSON", err)
	}
	var h header
	for name, dst := range map[string]*string{"alg": &h.Alg, "typ": &h.Typ, "kid": &h.Kid, "pqkid": &h.PQKid, "pqsig": &h.PQSig} {
		if raw, ok := obj[name]; ok {
			if *dst, err = jsonString(raw); err != nil {
				return header{}, refuseWith("header member "+name, err)
			}
		}
	}
	if _, ok := obj["crit"]; ok {
		// We define no critical extensions, so any crit list names one we
		// do not understand (RFC 7515 4.1.11).
		return header{}, refuse("crit header present")
	}
	_, hasKID := obj["pqkid"]
	_, hasSig := obj["pqsig"]
	if hasKID != hasSig {
		return header{}, refuse("pqkid and pqsig must appear together")
	}
	if hasSig && h.PQSig == "" {
		return header{}, refuse("empty pqsig")
	}
	return h, nil
}

// jsonString decodes a JSON string value already validated by
// decodeObject. Values without escapes (every base64url value) are taken
// as they are, sparing a second scan of the 4.4 KB pqsig.
func jsonString(raw json.RawMessage) (string, error) {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && !bytes.ContainsAny(raw[1:n-1], "\\\"") {
		return string(raw[1 : n-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

var errDuplicateMember = errors.New("duplicate member")

// decodeObject decodes one JSON object into its members by exact name.
// encoding/json alone would match names case-insensitively and let a
// repeated member silently win; both invite parser differentials.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	obj := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("bad member name")
		}
		if _, dup := obj[name]; dup {
			return nil, errDuplicateMember
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		obj[name] = raw
	}
	if _, err := dec.Token(); err != nil { // closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after object")
	}
	return obj, nil
}
