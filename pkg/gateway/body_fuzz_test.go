package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// bodyRequest is a request carrying body with the given Content-Type, as
// readObject sees it.
func bodyRequest(contentType string, body []byte) *request {
	r := httptest.NewRequest(http.MethodPost, "/v1/environments", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", contentType)
	return &request{w: httptest.NewRecorder(), r: r}
}

// amplified is one anchor of size bytes named refs times.
func amplified(size, refs int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "name: big\nx: &a %q\ndisplayName:\n", strings.Repeat("a", size))
	for i := 0; i < refs; i++ {
		b.WriteString("- *a\n")
	}
	return []byte(b.String())
}

// TestReadObjectRefusesAmplifiedYAML: refused as too large before it is
// expanded, with the reason named; a few aliases still read.
func TestReadObjectRefusesAmplifiedYAML(t *testing.T) {
	_, err := readObject(bodyRequest("application/yaml", amplified(100_000, 2_000)))
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Code != http.StatusRequestEntityTooLarge ||
		!strings.Contains(status.Status().Message, "YAML expands to more than 1048576 bytes (aliases)") {
		t.Fatalf("got %v, want 413 naming the aliases", err)
	}
	fields, err := readObject(bodyRequest("text/yaml", []byte("a: &x {b: 1}\nc: *x\n")))
	if err != nil || string(fields["c"]) != `{"b":1}` {
		t.Fatalf("got %v, %s", err, fields["c"])
	}
}

// FuzzReadObject drives the gateway's body reader and what is built from
// its fields: never a panic, never an error that is not an API status (the
// envelope's error), and what is built is JSON.
func FuzzReadObject(f *testing.F) {
	for _, seed := range []struct{ ct, body string }{
		{"application/json", `{"name":"a","blueprint":{"services":[{"name":"web","command":["x"]}]}}`},
		{"application/json", `{"kind":"Environment","metadata":{"name":"a"},"spec":{}}`},
		{"application/json", `{"kind":"Environment","metadata":7}`},
		{"application/merge-patch+json", `{"spec":{"displayName":"x","autoShutdown":null}}`},
		{"application/json", `{"autoShutdown":{"idleTimeout":"1h","bogus":1}}`},
		{"application/yaml", "name: a\nblueprint: {services: []}\n"},
		{"text/yaml", "a: &x [1]\nb: *x\n"},
		{"application/x-yaml", string(amplified(1000, 100))},
		{"application/yaml", "[1, 2]"},
		{"text/plain", "x"},
		{"", "null"},
	} {
		f.Add(seed.ct, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		fields, err := readObject(bodyRequest(contentType, body))
		if err != nil {
			if _, ok := err.(apierrors.APIStatus); !ok {
				t.Fatalf("not an API status: %v", err)
			}
			return
		}
		if fields == nil {
			t.Fatal("no error and no object")
		}
		if env, err := environmentBody(maps.Clone(fields), "acme"); err == nil && !json.Valid(env) {
			t.Fatalf("environmentBody built invalid JSON: %s", env)
		} else if _, ok := err.(apierrors.APIStatus); err != nil && !ok {
			t.Fatalf("environmentBody: not an API status: %v", err)
		}
		if patch, err := patchBody("a", maps.Clone(fields)); err == nil && !json.Valid(patch) {
			t.Fatalf("patchBody built invalid JSON: %s", patch)
		} else if _, ok := err.(apierrors.APIStatus); err != nil && !ok {
			t.Fatalf("patchBody: not an API status: %v", err)
		}
	})
}
