package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
)

// testGateway is a gateway whose upstream is never reached by these tests.
func testGateway(t *testing.T, cors ...string) *Gateway {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	g, err := New(ctx, Config{Upstream: &rest.Config{Host: "https://127.0.0.1:1"}, Admin: fake.NewSimpleClientset(),
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
	if _, err := New(context.Background(), Config{Upstream: &rest.Config{Host: "https://127.0.0.1:1"}, Admin: fake.NewSimpleClientset(),
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
	g := testGateway(t)
	get := func(path string) int {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code
	}
	if code := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if !g.WaitForOrganizations(context.Background()) {
		t.Fatal("the organizations informer never synced")
	}
	if code := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after the informer synced: %d", code)
	}
	// Not ready while the organizations' quotas are unknown.
	synced := g.tiers.synced
	g.tiers.synced = func() bool { return false }
	defer func() { g.tiers.synced = synced }()
	if code := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before the informer synced: %d, want 503", code)
	}
}
