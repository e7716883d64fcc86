package local

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/runtime"
)

func chainPlan(env string) runtime.Plan {
	api := dependsOn(demo("api"), "db")
	api.Replicas = 2
	return runtime.Plan{Organization: "acme", Environment: env, Services: []runtime.ServicePlan{
		dependsOn(demo("web"), "api"), api, demo("db"),
	}}
}

// firstStart is when the service's first replica process started.
func firstStart(rt *Runtime, org, env, name string) time.Time {
	rt.mu.Lock()
	e := rt.envs[org+"/"+env]
	rt.mu.Unlock()
	e.mu.Lock()
	s := e.services[name]
	e.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	var first time.Time
	for _, r := range s.replicas {
		r.mu.Lock()
		if first.IsZero() || r.startedAt.Before(first) {
			first = r.startedAt
		}
		r.mu.Unlock()
	}
	return first
}

func TestChainStopResume(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	plan := chainPlan("chain")
	if err := rt.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	st := waitHealth(t, rt, "acme", "chain", runtime.HealthHealthy, 10*time.Second)
	if api := serviceState(st, "api"); api.Desired != 2 || api.Ready != 2 {
		t.Fatalf("api %+v, want 2 of 2 ready", api)
	}
	if got := len(pids(rt, "acme", "chain")["api"]); got != 2 {
		t.Fatalf("api runs %d processes, want 2", got)
	}
	db, api, web := firstStart(rt, "acme", "chain", "db"), firstStart(rt, "acme", "chain", "api"), firstStart(rt, "acme", "chain", "web")
	if !db.Before(api) || !api.Before(web) {
		t.Fatalf("start order db %v, api %v, web %v; want db < api < web", db, api, web)
	}

	checkChain(t, st)
	// Several requests through api's front port reach both replicas
	// (seen as a "GET /" line in each replica's log).
	for range 4 {
		getAnswer(t, serviceState(st, "api").Endpoint)
	}
	for _, rep := range []int{0, 1} {
		out := logsOf(t, rt, "chain", runtime.LogOptions{Service: "api", Replica: rep})
		if !strings.Contains(out, "GET / 200") {
			t.Errorf("api replica %d got no request through the proxy; log:\n%s", rep, out)
		}
	}

	running := allPids(pids(rt, "acme", "chain"))
	if err := rt.Stop(ctx, "acme", "chain"); err != nil {
		t.Fatal(err)
	}
	for _, p := range running {
		if !reaped(p) {
			t.Errorf("pid %d survived Stop", p)
		}
	}
	stopped := status(t, rt, "acme", "chain")
	for _, s := range stopped.Services {
		if s.Health != runtime.HealthStopped || s.Ready != 0 {
			t.Errorf("after Stop %+v", s)
		}
	}

	if err := rt.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	resumed := waitHealth(t, rt, "acme", "chain", runtime.HealthHealthy, 10*time.Second)
	for i, s := range resumed.Services {
		if s.Endpoint != st.Services[i].Endpoint {
			t.Errorf("%s endpoint %s after resume, was %s", s.Name, s.Endpoint, st.Services[i].Endpoint)
		}
	}
	checkChain(t, resumed)
}

// checkChain asks web, which asks api through API_URL, which asks db
// through DB_URL.
func checkChain(t *testing.T, st runtime.EnvironmentState) {
	t.Helper()
	for _, name := range []string{"web", "api", "db"} {
		if a := getAnswer(t, serviceState(st, name).Endpoint); a.Name != name {
			t.Errorf("%s endpoint answered as %q", name, a.Name)
		}
	}
	web := getAnswer(t, serviceState(st, "web").Endpoint)
	up, ok := web.Upstreams["API_URL"]
	if !ok || up.Status != 200 {
		t.Fatalf("web did not reach api: %+v", web)
	}
	var api answerOf
	if err := json.Unmarshal(up.Body, &api); err != nil {
		t.Fatal(err)
	}
	down, ok := api.Upstreams["DB_URL"]
	if api.Name != "api" || !ok || down.Status != 200 || !strings.Contains(string(down.Body), `"name":"db"`) {
		t.Fatalf("api did not reach db: %s", up.Body)
	}
}

func TestLogs(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	plan := runtime.Plan{Organization: "acme", Environment: "logs", Services: []runtime.ServicePlan{demo("web"), demo("db")}}
	if err := rt.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	st := waitHealth(t, rt, "acme", "logs", runtime.HealthHealthy, 10*time.Second)
	for range 3 {
		getAnswer(t, serviceState(st, "web").Endpoint)
	}

	all := logsOf(t, rt, "logs", runtime.LogOptions{Replica: -1})
	if !strings.Contains(all, "web-0 ") || !strings.Contains(all, "db-0 ") || !strings.Contains(all, "web listening on") {
		t.Fatalf("all logs lack a service:\n%s", all)
	}
	web := logsOf(t, rt, "logs", runtime.LogOptions{Service: "web"})
	if strings.Contains(web, "db listening") || strings.Count(web, "GET / 200") != 3 {
		t.Fatalf("web logs:\n%s", web)
	}
	// One replica selected: lines are "<RFC3339Nano> <output>".
	first, _, _ := strings.Cut(web, "\n")
	stamp, _, _ := strings.Cut(first, " ")
	if _, err := time.Parse(time.RFC3339Nano, stamp); err != nil {
		t.Fatalf("line %q does not start with a time: %v", first, err)
	}

	two := int64(2)
	tail := logsOf(t, rt, "logs", runtime.LogOptions{Service: "web", TailLines: &two})
	if lines := strings.Split(strings.TrimSuffix(tail, "\n"), "\n"); len(lines) != 2 || !strings.HasSuffix(lines[1], "GET / 200") {
		t.Fatalf("tail 2:\n%s", tail)
	}
	// The tail is per replica: two lines of web-0 and up to two of db-0.
	dbLines := strings.Count(logsOf(t, rt, "logs", runtime.LogOptions{Service: "db"}), "\n")
	both := logsOf(t, rt, "logs", runtime.LogOptions{Replica: -1, TailLines: &two})
	if strings.Count(both, "web-0 ") != 2 || strings.Count(both, "db-0 ") != min(2, dbLines) {
		t.Fatalf("tail 2 of every replica (db has %d lines):\n%s", dbLines, both)
	}
	zero := int64(0)
	if since := logsOf(t, rt, "logs", runtime.LogOptions{Service: "web", SinceSeconds: &zero}); since != "" {
		t.Fatalf("since 0s returned\n%s", since)
	}
	if _, err := rt.Logs(ctx, "acme", "logs", runtime.LogOptions{Service: "nope"}); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("logs of unknown service: %v", err)
	}

	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rc, err := rt.Logs(fctx, "acme", "logs", runtime.LogOptions{Service: "web", TailLines: &zero, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(rc).ReadString('\n')
		got <- line
	}()
	time.Sleep(150 * time.Millisecond) // let the follower take its first look
	c := &http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + serviceState(st, "web").Endpoint + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sent := time.Now()
	select {
	case line := <-got:
		if !strings.Contains(line, "GET /healthz 200") {
			t.Fatalf("followed %q", line)
		}
		t.Logf("followed line arrived %s after the request", time.Since(sent))
	case <-time.After(time.Second):
		t.Fatal("no followed line within 1s")
	}
	cancel()
	if _, err := io.ReadAll(rc); err != nil {
		t.Fatalf("follow did not end cleanly: %v", err)
	}
}

func TestCrashLoop(t *testing.T) {
	rt := newRuntime(t)
	plan := runtime.Plan{Organization: "acme", Environment: "crash", Services: []runtime.ServicePlan{demo("flaky", "-exit-after", "300ms")}}
	if err := rt.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "crash looping with 2 restarts", func() (bool, string) {
		s := serviceState(status(t, rt, "acme", "crash"), "flaky")
		ok := s.Restarts >= 2 && s.Reason == "CrashLoop" && s.Health == runtime.HealthUnhealthy &&
			strings.Contains(s.Message, "exited with code 3") && strings.Contains(s.Message, "restarted")
		b, _ := json.Marshal(s)
		return ok, string(b)
	})
}

func TestFailingHealthCheck(t *testing.T) {
	rt := newRuntime(t)
	plan := runtime.Plan{Organization: "acme", Environment: "sick", Services: []runtime.ServicePlan{demo("sick", "-fail-health")}}
	if err := rt.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	st := waitHealth(t, rt, "acme", "sick", runtime.HealthUnhealthy, 5*time.Second)
	if s := st.Services[0]; s.Reason != "ProbeFailed" || !strings.Contains(s.Message, "503") || s.Ready != 0 || st.LastProbe.IsZero() {
		t.Fatalf("%+v, last probe %v", s, st.LastProbe)
	}
}

func TestWaitingForDependencies(t *testing.T) {
	rt := newRuntime(t)
	plan := runtime.Plan{Organization: "acme", Environment: "wait", Services: []runtime.ServicePlan{
		dependsOn(demo("api"), "db"), demo("db", "-unhealthy-for", "1s"),
	}}
	if err := rt.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "waiting for db", func() (bool, string) {
		s := serviceState(status(t, rt, "acme", "wait"), "api")
		return s.Health == runtime.HealthWaiting && s.Reason == "WaitingForDependencies" && strings.Contains(s.Message, "db"), s.Reason
	})
	if n := len(pids(rt, "acme", "wait")["api"]); n != 0 {
		t.Fatalf("api started %d processes before db was healthy", n)
	}
	if out := logsOf(t, rt, "wait", runtime.LogOptions{Service: "api"}); out != "" {
		t.Fatalf("logs of a waiting service: %q", out)
	}
	waitHealth(t, rt, "acme", "wait", runtime.HealthHealthy, 10*time.Second)
}

func TestReplaceOnlyChangedService(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	plan := runtime.Plan{Organization: "acme", Environment: "edit", Services: []runtime.ServicePlan{
		dependsOn(demo("api"), "db"), demo("db"),
	}}
	if err := rt.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	before := waitHealth(t, rt, "acme", "edit", runtime.HealthHealthy, 10*time.Second)
	old := pids(rt, "acme", "edit")
	// Applying the same plan again changes nothing.
	if err := rt.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if again := pids(rt, "acme", "edit"); again["api"][0] != old["api"][0] || again["db"][0] != old["db"][0] {
		t.Fatalf("re-applying the same plan restarted processes: %v then %v", old, again)
	}

	plan.Services[0].Args = []string{"-tick", "1h"}
	if err := rt.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	waitGone(t, old["api"])
	after := waitHealth(t, rt, "acme", "edit", runtime.HealthHealthy, 10*time.Second)
	now := pids(rt, "acme", "edit")
	if now["db"][0] != old["db"][0] {
		t.Fatalf("db was replaced too: pid %d then %d", old["db"][0], now["db"][0])
	}
	if now["api"][0] == old["api"][0] {
		t.Fatal("api was not replaced")
	}
	if serviceState(after, "api").Endpoint != serviceState(before, "api").Endpoint {
		t.Fatal("replacing api changed its endpoint")
	}

	// Removing a service from the plan ends it.
	plan.Services = plan.Services[1:]
	if err := rt.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	waitGone(t, now["api"])
	if st := status(t, rt, "acme", "edit"); len(st.Services) != 1 || st.Services[0].Name != "db" {
		t.Fatalf("after removing api: %s", summary(st))
	}
}

func TestDelete(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	if err := rt.Apply(ctx, chainPlan("gone")); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, rt, "acme", "gone", runtime.HealthHealthy, 10*time.Second)
	running := allPids(pids(rt, "acme", "gone"))
	if err := rt.Delete(ctx, "acme", "gone"); err != nil {
		t.Fatal(err)
	}
	for _, p := range running {
		if !reaped(p) {
			t.Errorf("pid %d survived Delete", p)
		}
	}
	if _, err := rt.Status(ctx, "acme", "gone"); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("status after delete: %v", err)
	}
	for _, d := range []string{"envs", "logs"} {
		if _, err := os.Stat(filepath.Join(rt.cfg.DataDir, d, "acme", "gone")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s directory left after delete: %v", d, err)
		}
	}
	if err := rt.Delete(ctx, "acme", "gone"); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestCloseEndsEverything(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	for _, env := range []string{"one", "two"} {
		if err := rt.Apply(ctx, chainPlan(env)); err != nil {
			t.Fatal(err)
		}
	}
	var running []int
	for _, env := range []string{"one", "two"} {
		waitHealth(t, rt, "acme", env, runtime.HealthHealthy, 10*time.Second)
		running = append(running, allPids(pids(rt, "acme", env))...)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range running {
		if !reaped(p) {
			t.Errorf("pid %d survived Close", p)
		}
	}
	if err := rt.Apply(ctx, chainPlan("three")); err == nil {
		t.Fatal("Apply after Close succeeded")
	}
}

func TestNoCommand(t *testing.T) {
	rt := newRuntime(t)
	sp := demo("image-only")
	sp.Command, sp.Image = nil, "nginx"
	plan := runtime.Plan{Organization: "acme", Environment: "img", Services: []runtime.ServicePlan{sp}}
	if err := rt.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "NoCommand", func() (bool, string) {
		s := status(t, rt, "acme", "img").Services[0]
		return s.Reason == "NoCommand" && s.Health == runtime.HealthUnhealthy, s.Reason
	})
}

func TestInvalidPlans(t *testing.T) {
	rt := newRuntime(t)
	noPort := demo("a")
	noPort.Ports = nil
	badProbe := demo("a")
	badProbe.Health.PortName = "admin"
	for name, svcs := range map[string][]runtime.ServicePlan{
		"unknown dependency": {dependsOn(demo("a"), "b")},
		"cycle":              {dependsOn(demo("a"), "b"), dependsOn(demo("b"), "a")},
		"duplicate":          {demo("a"), demo("a")},
		"probe without port": {noPort},
		"unknown probe port": {badProbe},
		"path in name":       {demo("../a")},
	} {
		err := rt.Apply(context.Background(), runtime.Plan{Organization: "acme", Environment: "bad", Services: svcs})
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := rt.Status(context.Background(), "acme", "bad"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("a refused plan created the environment: %v", err)
	}
}

// A new server on the same data directory knows the environments of the
// previous one as stopped, and resumes them on the same front ports.
func TestNewServerResumesFromDisk(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	plan := chainPlan("again")
	if err := first.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	before := waitHealth(t, first, "acme", "again", runtime.HealthHealthy, 10*time.Second)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := second.Stop(ctx, "acme", "never-applied"); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("stop of an unknown environment: %v", err)
	}
	st := status(t, second, "acme", "again")
	if len(st.Services) != 3 {
		t.Fatalf("status from disk: %s", summary(st))
	}
	for _, s := range st.Services {
		if s.Health != runtime.HealthStopped {
			t.Fatalf("status from disk: %s", summary(st))
		}
	}
	if err := second.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	after := waitHealth(t, second, "acme", "again", runtime.HealthHealthy, 10*time.Second)
	for i, s := range after.Services {
		if s.Endpoint != before.Services[i].Endpoint {
			t.Errorf("%s endpoint %s, was %s before the restart", s.Name, s.Endpoint, before.Services[i].Endpoint)
		}
	}
	checkChain(t, after)
}
