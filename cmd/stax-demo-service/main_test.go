package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
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

// The routing key reaches every hop, and the chain says who served each.
func TestPropagatesTheRoutingKey(t *testing.T) {
	var seen []string
	db := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Baggage"), r.Header.Get("X-Stax-Overlay"))
		newHandler(config{name: "db", version: "v1"}, time.Now(), nil).ServeHTTP(w, r)
	}))
	defer db.Close()
	api := httptest.NewServer(newHandler(config{name: "api", version: "v2"}, time.Now(), []string{"DB_URL=" + db.URL}))
	defer api.Close()
	web := httptest.NewServer(newHandler(config{name: "web", version: "v1"}, time.Now(), []string{"API_URL=" + api.URL}))
	defer web.Close()

	req, _ := http.NewRequest(http.MethodGet, web.URL+"/", nil)
	req.Header.Set("Baggage", "user=1,stax-overlay=feature")
	req.Header.Set("X-Stax-Overlay", "feature")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	want := []hop{{"web", "v1"}, {"api", "v2"}, {"db", "v1"}}
	if !reflect.DeepEqual(a.Chain, want) {
		t.Errorf("chain %+v, want %+v", a.Chain, want)
	}
	if !reflect.DeepEqual(seen, []string{"user=1,stax-overlay=feature", "feature"}) {
		t.Errorf("db saw headers %q", seen)
	}
}
