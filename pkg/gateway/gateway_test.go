package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
)

// testGateway is a gateway whose upstream is never reached by these tests.
func testGateway(t *testing.T, cors ...string) *Gateway {
	t.Helper()
	g, err := New(Config{Upstream: &rest.Config{Host: "https://127.0.0.1:1"}, Admin: fake.NewSimpleClientset(),
		CORSAllowedOrigins: cors})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestCORS(t *testing.T) {
	preflight := func(g *Gateway, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("OPTIONS", "/v1/environments", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		return rec
	}
	// Off by default: no origin is allowed.
	if h := preflight(testGateway(t), "http://localhost:8080").Header().Get("Access-Control-Allow-Origin"); h != "" {
		t.Errorf("CORS is on by default: %q", h)
	}
	g := testGateway(t, "//localhost(:|$)")
	rec := preflight(g, "http://localhost:8080")
	h := rec.Header()
	if h.Get("Access-Control-Allow-Origin") != "http://localhost:8080" || !strings.Contains(h.Get("Access-Control-Allow-Headers"), OrganizationHeader) ||
		!strings.Contains(h.Get("Access-Control-Expose-Headers"), "RateLimit-Remaining") || rec.Code != http.StatusNoContent {
		t.Errorf("preflight of an allowed origin: %d %v", rec.Code, h)
	}
	if h := preflight(g, "http://evil.example").Header().Get("Access-Control-Allow-Origin"); h != "" {
		t.Errorf("an origin not allowed got %q", h)
	}
	if _, err := New(Config{Upstream: &rest.Config{Host: "https://127.0.0.1:1"}, Admin: fake.NewSimpleClientset(),
		CORSAllowedOrigins: []string{"(unclosed"}}); err == nil {
		t.Error("a bad origin pattern was accepted")
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	g := testGateway(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"PUT", "/v1/environments/demo", "GET, PATCH, DELETE"},
		{"DELETE", "/v1/environments", "POST, GET"},
		{"GET", "/v1/environments/demo/stop", "POST"},
		{"POST", "/v1/organization", "GET"},
	} {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d, Allow %q; want 405, Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.allow)
		}
		var env ErrorEnvelope
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Reason != "MethodNotAllowed" {
			t.Errorf("%s %s: body %s", tc.method, tc.path, rec.Body)
		}
	}
	// A path no route has stays a 404.
	for _, path := range []string{"/v1/nothing", "/v1/environments/demo/stop/now"} {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusNotFound || rec.Header().Get("Allow") != "" {
			t.Errorf("GET %s: %d, Allow %q; want 404", path, rec.Code, rec.Header().Get("Allow"))
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	// The apiserver's /readyz, ready or not.
	var apiserverReady atomic.Bool
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || !apiserverReady.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer api.Close()
	admin, err := versioned.NewForConfig(&rest.Config{Host: api.URL})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Config{Upstream: &rest.Config{Host: api.URL}, Admin: admin})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) int {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code
	}
	if code := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if code := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the apiserver is not ready: %d, want 503", code)
	}
	apiserverReady.Store(true)
	if code := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz once the apiserver is ready: %d", code)
	}
	api.Close()
	if code := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the apiserver gone: %d, want 503", code)
	}
}

func TestClientAddressTrustsOnlyConfiguredProxies(t *testing.T) {
	proxies, err := parseTrustedProxies([]string{"127.0.0.2", "10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseTrustedProxies([]string{"10.0.0.0/99"}); err == nil {
		t.Error("a bad CIDR was accepted")
	}
	for _, tc := range []struct {
		remote, forwarded, want string
	}{
		{"127.0.0.9:5000", "203.0.113.7", "127.0.0.9"},                           // not a proxy: the header is anyone's
		{"127.0.0.2:5000", "203.0.113.7", "203.0.113.7"},                         // a trusted proxy names the client
		{"127.0.0.2:5000", "198.51.100.1, 203.0.113.7, 10.1.2.3", "203.0.113.7"}, // the right-most untrusted hop; the left one may be forged
		{"127.0.0.2:5000", "10.1.2.3", "10.1.2.3"},                               // only proxies: the first of them
		{"127.0.0.2:5000", "", "127.0.0.2"},                                      // no header: the proxy
		{"127.0.0.2:5000", "not-an-address", "127.0.0.2"},                        // a malformed header: the proxy
	} {
		r := httptest.NewRequest("GET", "/v1/organization", nil)
		r.RemoteAddr = tc.remote
		if tc.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tc.forwarded)
		}
		if got := proxies.clientAddress(r); got != tc.want {
			t.Errorf("from %s with X-Forwarded-For %q: %s, want %s", tc.remote, tc.forwarded, got, tc.want)
		}
	}
}
