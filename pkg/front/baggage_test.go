package front

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseBaggage(t *testing.T) {
	got, err := ParseBaggage([]string{"userId=alice, stax-overlay = feature-1 ;ttl=60;flag", "msg=hello%20world%2C%3B"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Member{
		{Key: "userId", Value: "alice"},
		{Key: "stax-overlay", Value: "feature-1", Properties: []string{"ttl=60", "flag"}},
		{Key: "msg", Value: "hello world,;"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if m, err := ParseBaggage(nil); m != nil || err != nil {
		t.Fatalf("no header: %v %v", m, err)
	}
}

func TestParseBaggageRefuses(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"stax-overlay", "member 1: \"stax-overlay\" has no '='"},
		{"a=1,,b=2", "member 2"},
		{"a b=1", `key "a b" is not a token`},
		{`a="quoted"`, "percent-encoding"},
		{"a=100%", "bad percent-encoding"},
		{"a=1;=x", "property"},
		{"a=" + strings.Repeat("x", maxBaggageBytes), "more than the 8192 allowed"},
		{strings.Repeat("a=1,", maxBaggageMembers) + "a=1", "more than the 64 allowed"},
	} {
		if _, err := ParseBaggage([]string{tc.header}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.40q: got %v, want an error with %q", tc.header, err, tc.want)
		}
	}
}

func TestRoutingKey(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers map[string][]string
		want    string
		err     string
	}{
		{"none", nil, "", ""},
		{"baggage", map[string][]string{"Baggage": {"a=1", "stax-overlay=f%2D1"}}, "f-1", ""},
		{"plain header", map[string][]string{"X-Stax-Overlay": {" feature "}}, "feature", ""},
		{"both agree", map[string][]string{"X-Stax-Overlay": {"feature"}, "Baggage": {"stax-overlay=feature"}}, "feature", ""},
		{"both disagree", map[string][]string{"X-Stax-Overlay": {"a"}, "Baggage": {"stax-overlay=b"}}, "", "disagree"},
		{"baggage twice", map[string][]string{"Baggage": {"stax-overlay=a,stax-overlay=b"}}, "", "two overlays"},
		{"bad baggage", map[string][]string{"Baggage": {"stax-overlay"}}, "", "no '='"},
	} {
		key, err := RoutingKey(http.Header(tc.headers))
		if key != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: got %q, %v; want %q, %q", tc.name, key, err, tc.want, tc.err)
		}
	}
}
