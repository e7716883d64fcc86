package local

import (
	"context"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/front"
	"github.com/microstax/stax/pkg/runtime"
)

func httpService(sp runtime.ServicePlan) runtime.ServicePlan {
	sp.Ports = []runtime.Port{{Name: "http", Port: 8080, Protocol: "TCP", AppProtocol: runtime.AppProtocolHTTP}}
	return sp
}

// askAs GETs a front with the routing key of overlay (none if empty) and
// returns the status and the name of the service that answered.
func askAs(t *testing.T, endpoint, overlay string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+endpoint+"/", nil)
	if overlay != "" {
		req.Header.Set(front.HeaderOverlay, overlay)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	name := string(b)
	if i := strings.Index(name, `"name":"`); i >= 0 {
		name = name[i+len(`"name":"`):]
		name = name[:strings.IndexByte(name, '"')]
	}
	return resp.StatusCode, name
}

// An overlay's routes on its baseline's HTTP fronts follow its plan: a
// service it stops changing is the baseline's again for its key, and its
// Delete removes the rest without touching a baseline process.
func TestOverlayRoutesFollowItsPlan(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	base := runtime.Plan{Organization: "acme", Environment: "shop", Services: []runtime.ServicePlan{
		httpService(demo("db")), httpService(dependsOn(demo("api"), "db")),
	}}
	if err := rt.Apply(ctx, base); err != nil {
		t.Fatal(err)
	}
	st := waitHealth(t, rt, "acme", "shop", runtime.HealthHealthy, 30*time.Second)
	basePids := pids(rt, "acme", "shop")
	db, api := serviceState(st, "db").Endpoint, serviceState(st, "api").Endpoint

	overlayOf := func(own ...runtime.ServicePlan) runtime.Plan {
		p := runtime.Plan{Organization: "acme", Environment: "feature", Services: own,
			Baseline: &runtime.BaselineLink{Environment: "shop"}}
		for _, s := range base.Services {
			if !slices.ContainsFunc(own, func(o runtime.ServicePlan) bool { return o.Name == s.Name }) {
				p.Baseline.Shared = append(p.Baseline.Shared, runtime.BaselineService{Name: s.Name, Endpoint: serviceState(st, s.Name).Endpoint, Port: 8080})
			}
		}
		return p
	}
	// The overlay's api answers as "api-v2" and reaches the baseline's db.
	apiV2 := httpService(dependsOn(demo("api", "-name", "api-v2"), "db"))
	if err := rt.Apply(ctx, overlayOf(apiV2)); err != nil {
		t.Fatal(err)
	}
	ost := waitHealth(t, rt, "acme", "feature", runtime.HealthHealthy, 30*time.Second)
	if a := getAnswer(t, serviceState(ost, "api").Endpoint); a.Name != "api-v2" || a.Upstreams["DB_URL"].Status != 200 {
		t.Fatalf("the overlay's api: %+v", a)
	}
	if got := pids(rt, "acme", "feature"); len(got) != 1 || len(got["api"]) != 1 {
		t.Fatalf("the overlay runs %v, want one api", got)
	}
	for _, tc := range []struct{ key, want string }{{"feature", "api-v2"}, {"", "api"}, {"other", "api"}} {
		if code, name := askAs(t, api, tc.key); code != 200 || name != tc.want {
			t.Errorf("key %q at the baseline's api: %d %s, want %s", tc.key, code, name, tc.want)
		}
	}
	// The key passes through the baseline's db, which the overlay does not change.
	if code, name := askAs(t, db, "feature"); code != 200 || name != "db" {
		t.Errorf("key at db: %d %s", code, name)
	}

	// The overlay now changes db instead of api: api's route goes.
	dbV2 := httpService(demo("db", "-name", "db-v2"))
	if err := rt.Apply(ctx, overlayOf(dbV2)); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, rt, "acme", "feature", runtime.HealthHealthy, 30*time.Second)
	if code, name := askAs(t, api, "feature"); code != 200 || name != "api" {
		t.Errorf("api after the overlay dropped it: %d %s", code, name)
	}
	if code, name := askAs(t, db, "feature"); code != 200 || name != "db-v2" {
		t.Errorf("db after the overlay took it: %d %s", code, name)
	}

	if err := rt.Delete(ctx, "acme", "feature"); err != nil {
		t.Fatal(err)
	}
	if code, name := askAs(t, db, "feature"); code != 200 || name != "db" {
		t.Errorf("db after the delete: %d %s", code, name)
	}
	if got := pids(rt, "acme", "shop"); !reflect.DeepEqual(got, basePids) {
		t.Errorf("the baseline's processes were %v, now %v", basePids, got)
	}
}
