package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/runtime"
)

// secondaryOf is the pid and ready address of an overlay's secondary of
// service, zero while it has none.
func secondaryOf(rt *Runtime, org, env, service string) (pid int, addr string) {
	rt.mu.Lock()
	e := rt.envs[org+"/"+env]
	rt.mu.Unlock()
	if e == nil {
		return 0, ""
	}
	e.op.Lock()
	c := e.shadows[service]
	e.op.Unlock()
	if c == nil {
		return 0, ""
	}
	c.secondary.mu.Lock()
	defer c.secondary.mu.Unlock()
	for _, r := range c.secondary.replicas {
		r.mu.Lock()
		pid = r.pid
		if r.ready {
			addr = r.addr()
		}
		r.mu.Unlock()
	}
	return pid, addr
}

type chainAnswer struct {
	Name  string
	Chain []struct{ Service string }
}

func chain(t *testing.T, who string, r diff.Response) []string {
	t.Helper()
	var a chainAnswer
	if r.Err != "" || r.Status != 200 || json.Unmarshal(r.Body, &a) != nil {
		t.Fatalf("%s answered %d %q %s", who, r.Status, r.Body, r.Err)
	}
	var out []string
	for _, h := range a.Chain {
		out = append(out, h.Service)
	}
	return append([]string{a.Name}, out...)
}

func requestsIn(t *testing.T, path string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), "GET / 200")
}

// An overlay's shadow on the local runtime: a secondary of the baseline's
// api runs outside the baseline front's pool; the baseline's traffic is
// answered by the baseline and copied to the secondary and to the
// overlay's api; the sink gets whole exchanges; shadow off, and the
// overlay's delete, end the secondary and the copies.
func TestOverlayShadow(t *testing.T) {
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
	api := serviceState(st, "api").Endpoint

	exchanges := make(chan diff.Exchange, 100)
	sink := func(service string, e diff.Exchange) {
		if service != "api" {
			t.Errorf("an exchange of %s", service)
		}
		exchanges <- e
	}
	overlay := func(shadow *runtime.ShadowPlan) runtime.Plan {
		return runtime.Plan{Organization: "acme", Environment: "feature",
			Services: []runtime.ServicePlan{httpService(dependsOn(demo("api", "-name", "api-v2"), "db"))},
			Baseline: &runtime.BaselineLink{Environment: "shop",
				Shared:  []runtime.BaselineService{{Name: "db", Endpoint: serviceState(st, "db").Endpoint, Port: 8080}},
				Changed: []runtime.BaselineService{{Name: "api", Endpoint: api, Port: 8080}}},
			Shadow: shadow}
	}
	on := &runtime.ShadowPlan{Percent: 100, Sink: sink}
	if err := rt.Apply(ctx, overlay(on)); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, rt, "acme", "feature", runtime.HealthHealthy, 30*time.Second)
	var secPid int
	var secAddr string
	eventually(t, 30*time.Second, "the secondary ready", func() (bool, string) {
		secPid, secAddr = secondaryOf(rt, "acme", "feature", "api")
		return secAddr != "", "no ready secondary"
	})

	// The secondary is not in the baseline front's pool, nor the
	// baseline's service: the baseline still runs what it ran.
	shop, _ := rt.lookup("acme", "shop", false)
	if pool := shop.readyAddrs("api"); len(pool) != 1 || pool[0] == secAddr {
		t.Errorf("the baseline's pool %v, the secondary at %s", pool, secAddr)
	}
	if got := pids(rt, "acme", "shop"); !reflect.DeepEqual(got, basePids) {
		t.Errorf("the baseline's processes were %v, now %v", basePids, got)
	}

	const n = 5
	for range n {
		if a := getAnswer(t, api); a.Name != "api" {
			t.Fatalf("the caller got %+v", a)
		}
	}
	// The overlay's own traffic (its key) is not mirrored.
	if code, name := askAs(t, api, "feature"); code != 200 || name != "api-v2" {
		t.Fatalf("with the key: %d %s", code, name)
	}
	for range n {
		var e diff.Exchange
		select {
		case e = <-exchanges:
		case <-time.After(30 * time.Second):
			t.Fatal("no exchange")
		}
		// Each answered by its version, reaching the baseline's db.
		for _, r := range []struct {
			who  string
			resp diff.Response
			want []string
		}{{"primary", e.Primary, []string{"api", "api", "db"}}, {"secondary", e.Secondary, []string{"api", "api", "db"}},
			{"candidate", e.Candidate, []string{"api-v2", "api-v2", "db"}}} {
			if got := chain(t, r.who, r.resp); !slices.Equal(got, r.want) {
				t.Errorf("%s: %v, want %v", r.who, got, r.want)
			}
		}
		if e.Method != "GET" || e.Path != "/" || e.Time.IsZero() {
			t.Errorf("exchange of %s %s at %v", e.Method, e.Path, e.Time)
		}
	}
	// The primary served the callers only, the secondary the copies only.
	primaryLog := filepath.Join(shop.logDir(), "api-0.log")
	secondaryLog := filepath.Join(rt.cfg.DataDir, "logs", "acme", "feature", "api.secondary-0.log")
	eventually(t, 10*time.Second, "each request logged once", func() (bool, string) {
		p, s := requestsIn(t, primaryLog), requestsIn(t, secondaryLog)
		return p == n && s == n, fmt.Sprintf("primary %d, secondary %d", p, s)
	})

	// Shadow off: the mirror goes, the secondary ends.
	if err := rt.Apply(ctx, overlay(nil)); err != nil {
		t.Fatal(err)
	}
	if mirrored(shop, "api", "feature") {
		t.Error("the mirror is still on the baseline's front")
	}
	waitGone(t, []int{secPid})
	getAnswer(t, api)

	// On again, the overlay stopped, resumed, then deleted: the shadow
	// goes with a stop, comes back with the resume, goes with the delete.
	newSecondary := func() {
		t.Helper()
		eventually(t, 30*time.Second, "a new secondary", func() (bool, string) {
			secPid, secAddr = secondaryOf(rt, "acme", "feature", "api")
			return secPid != 0 && mirrored(shop, "api", "feature"), "none"
		})
	}
	if err := rt.Apply(ctx, overlay(on)); err != nil {
		t.Fatal(err)
	}
	newSecondary()
	if err := rt.Stop(ctx, "acme", "feature"); err != nil {
		t.Fatal(err)
	}
	if mirrored(shop, "api", "feature") {
		t.Error("the mirror outlived the overlay's stop")
	}
	waitGone(t, []int{secPid})
	if err := rt.Apply(ctx, overlay(on)); err != nil {
		t.Fatal(err)
	}
	newSecondary()
	if err := rt.Delete(ctx, "acme", "feature"); err != nil {
		t.Fatal(err)
	}
	if mirrored(shop, "api", "feature") {
		t.Error("the mirror outlived the overlay")
	}
	waitGone(t, []int{secPid})
	if got := pids(rt, "acme", "shop"); !reflect.DeepEqual(got, basePids) {
		t.Errorf("the baseline's processes were %v, now %v", basePids, got)
	}
	if len(exchanges) != 0 {
		t.Errorf("%d exchanges after shadow off", len(exchanges))
	}
}

// mirrored says whether overlay has a mirror on env's front of service.
func mirrored(env *environment, service, overlay string) bool {
	env.mu.Lock()
	t := env.mirrors[service]
	env.mu.Unlock()
	_, ok := t.Lookup(overlay)
	return ok
}
