package local

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/runtime"
)

func drift(t *testing.T, rt *Runtime, plan runtime.Plan) []runtime.Drift {
	t.Helper()
	d, err := rt.Drift(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func replicaPorts(rt *Runtime, org, env, service string) []int {
	rt.mu.Lock()
	e := rt.envs[org+"/"+env]
	rt.mu.Unlock()
	e.mu.Lock()
	s := e.services[service]
	e.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.replicas[0]
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.ports...)
}

// TestDriftCrashIsNot: a replica killed and restarted by the supervisor
// is a crash, not drift; nor is anything of a freshly applied plan.
func TestDriftCrashIsNot(t *testing.T) {
	rt := newRuntime(t)
	plan := runtime.Plan{Organization: "acme", Environment: "crash", Services: []runtime.ServicePlan{demo("api")}}
	plan.Services[0].Env = []runtime.EnvVar{{Name: "TOKEN", Value: "s3cret", Secret: true}}
	if err := rt.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, rt, "acme", "crash", runtime.HealthHealthy, 10*time.Second)
	if d := drift(t, rt, plan); len(d) != 0 {
		t.Fatalf("drift of a fresh environment: %+v", d)
	}
	pid := pids(rt, "acme", "crash")["api"][0]
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "restarted", func() (bool, string) {
		s := serviceState(status(t, rt, "acme", "crash"), "api")
		ps := pids(rt, "acme", "crash")["api"]
		return s.Restarts == 1 && s.Ready == 1 && len(ps) == 1 && ps[0] != pid, summary(status(t, rt, "acme", "crash"))
	})
	if d := drift(t, rt, plan); len(d) != 0 {
		t.Fatalf("a restart reported as drift: %+v", d)
	}
	// A plan the runtime has not applied yet is the environment
	// controller's business, not drift.
	changed := plan
	changed.Services = []runtime.ServicePlan{demo("api", "-tick", "1s")}
	if d := drift(t, rt, changed); len(d) != 0 {
		t.Fatalf("drift against a plan not applied yet: %+v", d)
	}
}

// TestDriftReplacedInPlace: a replica's process that execs another
// program (same pid, another command and environment) drifted, and
// Remediate starts the plan's process again.
func TestDriftReplacedInPlace(t *testing.T) {
	rt := newRuntime(t)
	// The replica waits for a file, then replaces itself, as someone
	// attached to it might.
	script := `while [ ! -e replace ]; do sleep 0.05; done; exec env EXTRA=1 TOKEN=guess sleep 600`
	plan := runtime.Plan{Organization: "acme", Environment: "exec", Services: []runtime.ServicePlan{{
		Name: "worker", Replicas: 1, Command: []string{"sh", "-c", script},
		Env: []runtime.EnvVar{{Name: "TOKEN", Value: "s3cret", Secret: true}},
	}}}
	if err := rt.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, rt, "acme", "exec", runtime.HealthHealthy, 10*time.Second)
	if d := drift(t, rt, plan); len(d) != 0 {
		t.Fatalf("drift before the replacement: %+v", d)
	}
	trigger := filepath.Join(rt.cfg.DataDir, "envs", "acme", "exec", "work", "replace")
	if err := os.WriteFile(trigger, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var got []runtime.Drift
	// Until env has exec'd sleep, the process shows sh's environment
	// (PWD, no EXTRA): wait for the replacement to settle.
	eventually(t, 10*time.Second, "command and env drift", func() (bool, string) {
		got = drift(t, rt, plan)
		settled := slices.ContainsFunc(got, func(d runtime.Drift) bool {
			return d.Field == runtime.DriftEnv && strings.Contains(d.Actual, "EXTRA=1")
		})
		return len(got) == 2 && settled, describeDrift(got)
	})
	byField := map[string]runtime.Drift{}
	for _, d := range got {
		byField[d.Field] = d
	}
	if d := byField[runtime.DriftCommand]; d.Expected != "sh -c "+script || d.Actual != "worker-0: env EXTRA=1 TOKEN=guess sleep 600" &&
		d.Actual != "worker-0: sleep 600" {
		t.Errorf("command drift: %+v", d)
	}
	env := byField[runtime.DriftEnv]
	if !strings.Contains(env.Actual, "EXTRA=1") || !strings.Contains(env.Actual, "TOKEN (secret)") || strings.Contains(env.Actual+env.Expected, "s3cret") ||
		strings.Contains(env.Actual, "guess") {
		t.Errorf("env drift (a secret shows by name only): %+v", env)
	}
	old := pids(rt, "acme", "exec")["worker"][0]
	if err := os.Remove(trigger); err != nil {
		t.Fatal(err)
	}
	if err := rt.Remediate(context.Background(), plan, got); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the plan's process back", func() (bool, string) {
		ps := pids(rt, "acme", "exec")["worker"]
		s := serviceState(status(t, rt, "acme", "exec"), "worker")
		return len(ps) == 1 && ps[0] != old && s.Health == runtime.HealthHealthy && s.Restarts == 0 && len(drift(t, rt, plan)) == 0,
			summary(status(t, rt, "acme", "exec"))
	})
}

// TestDriftForeignListener: a port of a replica answered by a process the
// runtime did not start drifted; Remediate moves the replica to fresh ports.
func TestDriftForeignListener(t *testing.T) {
	rt := newRuntime(t)
	sp := demo("api")
	// stax-demo-service serves PORT only: PORT_ADMIN is free for a squatter.
	sp.Ports = append(sp.Ports, runtime.Port{Name: "admin", Port: 9090, Protocol: "TCP"})
	plan := runtime.Plan{Organization: "acme", Environment: "squat", Services: []runtime.ServicePlan{sp}}
	if err := rt.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, rt, "acme", "squat", runtime.HealthHealthy, 10*time.Second)
	if d := drift(t, rt, plan); len(d) != 0 {
		t.Fatalf("drift before the squatter: %+v", d)
	}
	ports := replicaPorts(rt, "acme", "squat", "api")
	l, err := net.Listen("tcp", loopback(ports[1]))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := drift(t, rt, plan)
	if len(got) != 1 || got[0].Field != runtime.DriftPorts || !strings.Contains(got[0].Actual, "which the runtime did not start") ||
		!strings.Contains(got[0].Actual, loopback(ports[1])) {
		t.Fatalf("got %s", describeDrift(got))
	}
	if err := rt.Remediate(context.Background(), plan, got); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the replica on fresh ports", func() (bool, string) {
		s := serviceState(status(t, rt, "acme", "squat"), "api")
		return s.Health == runtime.HealthHealthy && len(drift(t, rt, plan)) == 0, summary(status(t, rt, "acme", "squat"))
	})
	if p := replicaPorts(rt, "acme", "squat", "api"); p[1] == ports[1] {
		t.Errorf("the replica kept the squatted port %d", p[1])
	}
}

func describeDrift(d []runtime.Drift) string {
	var b strings.Builder
	for _, x := range d {
		b.WriteString(x.Service + " " + x.Field + ": want " + x.Expected + ", have " + x.Actual + "; ")
	}
	return b.String()
}
