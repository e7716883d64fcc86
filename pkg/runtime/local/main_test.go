package local

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/runtime"
)

// demoBin is stax-demo-service, built once for all tests.
var demoBin string

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		childServer(dir)
		return
	}
	tmp, err := os.MkdirTemp("", "stax-local-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	demoBin = filepath.Join(tmp, "stax-demo-service")
	build := exec.Command("go", "build", "-o", demoBin, "github.com/microstax/stax/cmd/stax-demo-service")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building stax-demo-service:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

func newRuntime(t testing.TB) *Runtime {
	t.Helper()
	rt, err := New(Config{DataDir: t.TempDir(), StopGrace: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// demo is a one-replica stax-demo-service with an HTTP health check.
func demo(name string, args ...string) runtime.ServicePlan {
	return runtime.ServicePlan{
		Name:     name,
		Command:  append([]string{demoBin, "-name", name}, args...),
		Ports:    []runtime.Port{{Name: "http", Port: 8080, Protocol: "TCP"}},
		Replicas: 1,
		Health:   &runtime.HealthCheck{HTTPPath: "/healthz", Period: 100 * time.Millisecond, FailureThreshold: 3},
	}
}

func dependsOn(sp runtime.ServicePlan, deps ...string) runtime.ServicePlan {
	sp.DependsOn = deps
	return sp
}

// eventually polls cond every 20ms until it holds or timeout passes; cond
// returns a description of what it saw for the failure message.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, still not %s: %s", timeout, what, saw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func status(t testing.TB, rt *Runtime, org, env string) runtime.EnvironmentState {
	t.Helper()
	st, err := rt.Status(context.Background(), org, env)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func summary(st runtime.EnvironmentState) string {
	b, _ := json.Marshal(st.Services)
	return string(b)
}

func waitHealth(t testing.TB, rt *Runtime, org, env, health string, timeout time.Duration) runtime.EnvironmentState {
	t.Helper()
	var st runtime.EnvironmentState
	eventually(t, timeout, "all "+health, func() (bool, string) {
		st = status(t, rt, org, env)
		for _, s := range st.Services {
			if s.Health != health {
				return false, summary(st)
			}
		}
		return len(st.Services) > 0, summary(st)
	})
	return st
}

// serviceState returns the state of one service.
func serviceState(st runtime.EnvironmentState, name string) runtime.ServiceState {
	for _, s := range st.Services {
		if s.Name == name {
			return s
		}
	}
	return runtime.ServiceState{}
}

// pids are the running process ids of each service, read from the
// runtime's internals.
func pids(rt *Runtime, org, env string) map[string][]int {
	rt.mu.Lock()
	e := rt.envs[org+"/"+env]
	rt.mu.Unlock()
	out := map[string][]int{}
	if e == nil {
		return out
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for name, s := range e.services {
		s.mu.Lock()
		for _, r := range s.replicas {
			r.mu.Lock()
			if r.pid != 0 {
				out[name] = append(out[name], r.pid)
			}
			r.mu.Unlock()
		}
		s.mu.Unlock()
	}
	return out
}

func allPids(m map[string][]int) []int {
	var out []int
	for _, ps := range m {
		out = append(out, ps...)
	}
	return out
}

// reaped reports whether pid no longer exists at all: kill(pid, 0) fails
// with ESRCH. The runtime waits for its own children, so after Stop, Delete
// or Close their pids must be reaped, not zombies.
func reaped(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

// gone reports whether pid no longer runs. A zombie counts as gone: an
// orphan killed by Pdeathsig waits for its new parent to reap it.
func gone(pid int) bool {
	if reaped(pid) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

func waitGone(t testing.TB, ps []int) {
	t.Helper()
	if len(ps) == 0 {
		t.Fatal("no process ids to wait for")
	}
	eventually(t, 5*time.Second, "gone", func() (bool, string) {
		for _, p := range ps {
			if !gone(p) {
				return false, fmt.Sprintf("pid %d still runs", p)
			}
		}
		return true, ""
	})
}

// answerOf is what stax-demo-service answers on /.
type answerOf struct {
	Name      string `json:"name"`
	Upstreams map[string]struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
		Error  string          `json:"error"`
	} `json:"upstreams"`
}

func getAnswer(t testing.TB, endpoint string) answerOf {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + endpoint + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answerOf
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

func logsOf(t testing.TB, rt *Runtime, env string, opts runtime.LogOptions) string {
	t.Helper()
	rc, err := rt.Logs(context.Background(), "acme", env, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// childEnv makes the test binary a "server" that starts one replica,
// prints its pid and waits to be killed.
const childEnv = "STAX_LOCAL_TEST_CHILD_DATADIR"

func childServer(dir string) {
	rt, err := New(Config{DataDir: dir})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	sp := demo("orphan")
	sp.Command[0] = os.Getenv("STAX_DEMO_BIN")
	if err := rt.Apply(context.Background(), runtime.Plan{Organization: "o", Environment: "e", Services: []runtime.ServicePlan{sp}}); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	for {
		if ps := pids(rt, "o", "e")["orphan"]; len(ps) > 0 {
			fmt.Println("PID", ps[0])
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {}
}

func TestReplicaDiesWithServer(t *testing.T) {
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), childEnv+"="+t.TempDir(), "STAX_DEMO_BIN="+demoBin)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- s
	}()
	var pid int
	select {
	case s := <-line:
		if _, err := fmt.Sscanf(s, "PID %d", &pid); err != nil {
			t.Fatalf("child said %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("child server did not start a replica")
	}
	if gone(pid) {
		t.Fatalf("replica %d not running before the server is killed", pid)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	waitGone(t, []int{pid})
}
