package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHealthz(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    config
		want int
	}{
		{"healthy", config{}, 200},
		{"fail-health", config{failHealth: true}, 503},
		{"unhealthy-for", config{unhealthyFor: time.Hour}, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			newHandler(tc.c, time.Now(), nil).ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
		})
	}
}

func TestRootReportsUpstreams(t *testing.T) {
	db := httptest.NewServer(newHandler(config{name: "db"}, time.Now(), nil))
	defer db.Close()
	api := httptest.NewServer(newHandler(config{name: "api"}, time.Now(), []string{"DB_URL=" + db.URL, "OTHER=x"}))
	defer api.Close()

	resp, err := http.Get(api.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	up, ok := a.Upstreams["DB_URL"]
	if a.Name != "api" || !ok || up.Status != 200 || len(a.Upstreams) != 1 {
		t.Fatalf("answer %+v", a)
	}
	var inner answer
	if err := json.Unmarshal(up.Body, &inner); err != nil || inner.Name != "db" {
		t.Fatalf("upstream body %s: %v", up.Body, err)
	}
}
