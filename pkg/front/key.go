package front

import (
	"fmt"
	"net/http"
	"strings"
)

// The routing key: which overlay a request is for. docs/branching.md
// ("Routing by key") is the contract for users; this file is its one home.
const (
	// BaggageKey is the W3C baggage member that names the overlay.
	BaggageKey = "stax-overlay"
	// HeaderOverlay is the plain header that does the same.
	HeaderOverlay = "X-Stax-Overlay"
	// HeaderBaggage is the W3C baggage header.
	HeaderBaggage = "Baggage"
)

// RoutingKey is the overlay a request is for, "" when it names none. A
// malformed baggage header, or two keys that disagree, are errors: a
// request meant for an overlay must not quietly reach the baseline.
func RoutingKey(h http.Header) (string, error) {
	plain := strings.TrimSpace(h.Get(HeaderOverlay))
	members, err := ParseBaggage(h.Values(HeaderBaggage))
	if err != nil {
		return "", err
	}
	fromBaggage := ""
	for _, m := range members {
		if m.Key != BaggageKey {
			continue
		}
		if fromBaggage != "" && fromBaggage != m.Value {
			return "", fmt.Errorf("baggage names two overlays, %q and %q", fromBaggage, m.Value)
		}
		fromBaggage = m.Value
	}
	if plain != "" && fromBaggage != "" && plain != fromBaggage {
		return "", fmt.Errorf("%s %q and baggage %s=%q disagree", HeaderOverlay, plain, BaggageKey, fromBaggage)
	}
	if plain != "" {
		return plain, nil
	}
	return fromBaggage, nil
}

// PropagatedHeaders are the headers a service copies from the request it
// serves onto the requests it makes, so that the key reaches every hop
// (and the mark of a mirrored copy, HeaderShadow, too: what a copy causes
// is not mirrored again).
var PropagatedHeaders = []string{HeaderBaggage, HeaderOverlay, HeaderShadow}
