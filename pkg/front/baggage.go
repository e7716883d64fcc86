package front

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// W3C Baggage (https://www.w3.org/TR/baggage/) limits a header to 64
// members and 8192 bytes; longer ones are refused rather than cut.
const (
	maxBaggageMembers = 64
	maxBaggageBytes   = 8192
)

// Member is one list member of a baggage header: a key, its value
// (percent-decoded) and its properties as written.
type Member struct {
	Key, Value string
	Properties []string
}

// ParseBaggage parses the values of the baggage headers of a request (they
// join as one list, as any comma-separated header). An empty list is no
// baggage; anything the grammar refuses is an error naming the member.
func ParseBaggage(values []string) ([]Member, error) {
	joined := strings.Join(values, ",")
	if strings.TrimSpace(joined) == "" {
		return nil, nil
	}
	if len(joined) > maxBaggageBytes {
		return nil, fmt.Errorf("baggage: %d bytes, more than the %d allowed", len(joined), maxBaggageBytes)
	}
	parts := strings.Split(joined, ",")
	if len(parts) > maxBaggageMembers {
		return nil, fmt.Errorf("baggage: %d members, more than the %d allowed", len(parts), maxBaggageMembers)
	}
	out := make([]Member, 0, len(parts))
	for i, part := range parts {
		m, err := parseMember(part)
		if err != nil {
			return nil, fmt.Errorf("baggage member %d: %w", i+1, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// parseMember parses key OWS "=" OWS value *( OWS ";" OWS property ).
func parseMember(s string) (Member, error) {
	fields := strings.Split(s, ";")
	key, value, ok := strings.Cut(fields[0], "=")
	if !ok {
		return Member{}, fmt.Errorf("%q has no '='", strings.TrimSpace(s))
	}
	key, value = trimOWS(key), trimOWS(value)
	if !isToken(key) {
		return Member{}, fmt.Errorf("key %q is not a token", key)
	}
	decoded, err := decodeValue(value)
	if err != nil {
		return Member{}, fmt.Errorf("key %q: %w", key, err)
	}
	m := Member{Key: key, Value: decoded}
	for _, p := range fields[1:] {
		p = trimOWS(p)
		pk, pv, hasValue := strings.Cut(p, "=")
		pk = trimOWS(pk)
		if !isToken(pk) {
			return Member{}, fmt.Errorf("key %q: property %q is not key[=value]", key, p)
		}
		if hasValue {
			if _, err := decodeValue(trimOWS(pv)); err != nil {
				return Member{}, fmt.Errorf("key %q: property %q: %w", key, pk, err)
			}
		}
		m.Properties = append(m.Properties, p)
	}
	return m, nil
}

var errBadValue = errors.New("value has a character baggage does not allow (want percent-encoding)")

// decodeValue checks a value is baggage-octets and percent-decodes it.
func decodeValue(v string) (string, error) {
	for i := 0; i < len(v); i++ {
		if !isBaggageOctet(v[i]) {
			return "", errBadValue
		}
	}
	d, err := url.PathUnescape(v)
	if err != nil {
		return "", fmt.Errorf("value %q: bad percent-encoding", v)
	}
	return d, nil
}

// isBaggageOctet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E, that is
// printable US-ASCII but space, '"', ',', ';' and '\'.
func isBaggageOctet(c byte) bool {
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\'
}

// isToken is RFC 7230's token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func trimOWS(s string) string { return strings.Trim(s, " \t") }
