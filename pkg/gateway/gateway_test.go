package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
)

// testGateway is a gateway whose upstream is never reached by these tests.
func testGateway(t *testing.T) *Gateway {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	g, err := New(ctx, Config{Upstream: &rest.Config{Host: "https://127.0.0.1:1"}, Admin: fake.NewSimpleClientset()})
	if err != nil {
		t.Fatal(err)
	}
	return g
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
