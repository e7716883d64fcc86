package apiserver

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLimitYAMLExpansion(t *testing.T) {
	var amplified strings.Builder
	fmt.Fprintf(&amplified, "x: &a %q\ny:\n", strings.Repeat("a", 100_000))
	for i := 0; i < 2_000; i++ {
		amplified.WriteString("- *a\n")
	}
	var seen string
	h := limitYAMLExpansion(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen = string(b)
	}), 3<<20, 3<<20, Codecs)
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		message                 string
	}{
		{"amplified yaml", "application/yaml", amplified.String(), 413, "YAML expands to more than 3145728 bytes (aliases)"},
		{"amplified apply patch", "application/apply-patch+yaml", amplified.String(), 413, "YAML expands to more than"},
		{"over the body limit", "text/yaml", strings.Repeat("#", 3<<20+1), 413, "limit is 3145728"},
		{"not yaml", "application/yaml", "a: [", 400, "the body is not YAML"},
		{"yaml with a few aliases", "application/yaml; charset=utf-8", "a: &x 1\nb: *x\n", 200, ""},
		// JSON is not measured: it has no aliases.
		{"amplified, but sent as JSON", "application/json", amplified.String(), 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen = ""
			r := httptest.NewRequest(http.MethodPatch, "/apis/stax.microstax.ai/v1alpha1/namespaces/a/environments/b", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.contentType)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.message) {
				t.Fatalf("status %d %s, want %d %q", w.Code, w.Body, tc.status, tc.message)
			}
			if tc.status == 200 && seen != tc.body {
				t.Errorf("the handler read %d bytes of %d", len(seen), len(tc.body))
			}
		})
	}
}
