package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/runtime"
	"github.com/microstax/stax/pkg/stubaccess"
)

var (
	shadowBinOnce sync.Once
	shadowBinPath string
	shadowBinErr  error
)

// shadowBinary builds cmd/stax-shadow once per test binary.
func shadowBinary(t testing.TB) string {
	t.Helper()
	shadowBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stax-shadow")
		if err != nil {
			shadowBinErr = err
			return
		}
		shadowBinPath = filepath.Join(dir, "stax-shadow")
		out, err := exec.Command("go", "build", "-o", shadowBinPath, "github.com/microstax/stax/cmd/stax-shadow").CombinedOutput()
		if err != nil {
			shadowBinErr = fmt.Errorf("building stax-shadow: %v\n%s", err, out)
		}
	})
	if shadowBinErr != nil {
		t.Fatal(shadowBinErr)
	}
	return shadowBinPath
}

// userService answers GET /users/{id} as a JSON user: requestId is random
// on every answer (noise, two instances of the baseline differ on it),
// name is what the version makes of it, build is the instance's own.
func userService(t *testing.T, name, build string) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"name":%q,"requestId":"%016x","build":%q}`, strings.TrimPrefix(r.URL.Path, "/users/"), name, rand.Uint64(), build)
	}))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

// writeKubeconfig writes the kubeconfig the kubernetes runtime mounts for
// stax-shadow (stubaccess.Kubeconfig, the token in the file beside it).
func writeKubeconfig(t *testing.T, s *testServer, token string) string {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	ca := s.Config.CAData
	if len(ca) == 0 {
		var err error
		if ca, err = os.ReadFile(s.Config.CAFile); err != nil {
			t.Fatal(err)
		}
	}
	kc, err := stubaccess.Kubeconfig(runtime.StubCredential{Server: s.Config.Host, CAData: ca, Token: token}, ns, tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// shadowProcess is a running stax-shadow: its front's address, and its
// log so far (read on).
type shadowProcess struct {
	cmd            *exec.Cmd
	front, metrics string
	mu             sync.Mutex
	log            strings.Builder
	done           chan struct{}
}

func startShadow(t *testing.T, args ...string) *shadowProcess {
	t.Helper()
	p := &shadowProcess{cmd: exec.Command(shadowBinary(t), append([]string{"--listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0"}, args...)...),
		done: make(chan struct{})}
	stderr, _ := p.cmd.StderrPipe()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("stax-shadow %q:\n%s", args, p.logs())
		}
	})
	addr := regexp.MustCompile(`^stax-shadow (\S+) on (127\.0\.0\.1:\d+)`)
	found := make(chan []string, 2)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := addr.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1:]
			}
		}
		close(found)
	}()
	for timeout := time.After(30 * time.Second); p.front == "" || p.metrics == ""; {
		select {
		case m, ok := <-found:
			if !ok {
				t.Fatalf("stax-shadow ended:\n%s", p.logs())
			}
			if m[0] == "metrics" {
				p.metrics = m[1]
			} else {
				p.front = m[1]
			}
			continue
		case <-timeout:
		}
		break
	}
	if p.front == "" || p.metrics == "" {
		t.Fatalf("stax-shadow did not start:\n%s", p.logs())
	}
	return p
}

func (p *shadowProcess) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// waitMirrored waits until n exchanges were handed to the engine (the
// counter goes up just before).
func (p *shadowProcess) waitMirrored(t *testing.T, n int) {
	t.Helper()
	want := fmt.Sprintf(`stax_shadow_mirrored_total{organization="%s",overlay="feature",service="api"} %d`, ns, n)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + p.metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), want) {
			return
		}
	}
	t.Fatalf("never %s", want)
}

// stop ends it as the kubelet does (SIGTERM) and waits.
func (p *shadowProcess) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("stax-shadow after SIGTERM: %v\n%s", err, p.logs())
	}
}

// get sends n requests for distinct users through the front; the caller
// always has the primary's answer.
func (p *shadowProcess) get(t *testing.T, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		resp, err := http.Get(fmt.Sprintf("http://%s/users/%d", p.front, i))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"name":"ann"`) {
			t.Fatalf("the caller got %d %s", resp.StatusCode, b)
		}
	}
}

// endpointOf waits until the overlay's stored report has the endpoint
// with at least n requests, and answers it.
func storedEndpoint(t *testing.T, s *testServer, overlay, endpoint string, n int64) staxv1.EndpointDiff {
	t.Helper()
	var last staxv1.DiffReport
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		d, err := getDiffs(context.Background(), s.Client, overlay)
		if err != nil {
			t.Fatal(err)
		}
		last = d.Report
		for _, e := range d.Report.Endpoints {
			if e.Endpoint == endpoint && e.Requests >= n {
				return e
			}
		}
	}
	t.Fatalf("no %s with %d requests stored: %+v", endpoint, n, last)
	return staxv1.EndpointDiff{}
}

// TestShadowPublishes: stax-shadow as the kubernetes runtime runs it, on
// loopback, against a real stax-apiserver with a diff writer's token in
// the kubeconfig the runtime mounts. The exchanges are compared with the
// options of its flags and published to the overlay's EnvironmentDiff,
// where environments/diffs reads them: the injected difference is
// reported, the noise is noise, the ignored field is not compared. A
// restart continues the stored counts; a member's token publishes nothing.
func TestShadowPublishes(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	storedBaseline(t, s, "main")
	if _, err := s.Client.StaxV1alpha1().Baselines(ns).CreateOverlay(ctx, "main", overlayRequest("feature",
		staxv1.ServiceChange{Name: "api", Image: "api:2"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := shadowPatch(ctx, s.Client, "feature", `{"enabled":true}`); err != nil {
		t.Fatal(err)
	}
	writer := writeKubeconfig(t, s, mintWithCLI(t, s, ns, "system:stax:shadow:"+ns, "--groups", auth.DiffWriterClaim))
	backends := []string{"--service=api", "--organization=" + ns, "--overlay=feature",
		"--default=" + userService(t, "ann", "b1"), "--secondary=" + userService(t, "ann", "b2"),
		"--candidate=" + userService(t, "Ann", "c1"), "--publish-interval=200ms",
		// What the kubernetes runtime writes for ignore.fields: [body.build].
		"--ignore-path", "body.build"}

	sh := startShadow(t, append(backends, "--kubeconfig="+writer)...)
	sh.get(t, 0, 40)
	e := storedEndpoint(t, s, "feature", "api:GET /users/{id}", 40)
	verdicts := map[string]string{}
	for _, f := range e.Fields {
		verdicts[f.Field] = f.Verdict
	}
	if verdicts["body.name"] != "Difference" || verdicts["body.requestId"] != "Noise" {
		t.Errorf("verdicts %v: want body.name a Difference, body.requestId Noise", verdicts)
	}
	for field, v := range verdicts {
		if v == "Difference" && field != "body.name" {
			t.Errorf("%s is a Difference (%v)", field, verdicts)
		}
	}
	if _, ok := verdicts["body.build"]; ok {
		t.Errorf("the ignored body.build was compared: %v", verdicts)
	}

	// A restart (a rollout, a rescheduled pod) continues the stored counts;
	// with an interval longer than the test, only the last publish, at
	// SIGTERM, writes them.
	sh.stop(t)
	backends[len(backends)-3] = "--publish-interval=1h"
	sh = startShadow(t, append(backends, "--kubeconfig="+writer)...)
	if !strings.Contains(sh.logs(), "continuing 40 compared requests") {
		t.Errorf("the restarted stax-shadow did not continue the stored report:\n%s", sh.logs())
	}
	sh.get(t, 40, 10)
	sh.waitMirrored(t, 10)
	if e := storedEndpoint(t, s, "feature", "api:GET /users/{id}", 40); e.Requests != 40 {
		t.Errorf("published before the interval: %d requests", e.Requests)
	}
	sh.stop(t)
	if e := storedEndpoint(t, s, "feature", "api:GET /users/{id}", 50); e.Requests != 50 {
		t.Errorf("after the last publish: %d requests, want 40 stored and 10 more", e.Requests)
	}

	// A member's token may not write diffs: nothing reaches the API, and
	// the log says why.
	member := writeKubeconfig(t, s, mintWithCLI(t, s, ns, "alice"))
	sh = startShadow(t, append(backends, "--kubeconfig="+member)...)
	sh.get(t, 50, 5)
	sh.waitMirrored(t, 5)
	sh.stop(t)
	if e := storedEndpoint(t, s, "feature", "api:GET /users/{id}", 50); e.Requests != 50 {
		t.Errorf("a member's stax-shadow changed the diff: %d requests", e.Requests)
	}
	if !strings.Contains(sh.logs(), "forbidden") {
		t.Errorf("no refusal in the log of a member's stax-shadow:\n%s", sh.logs())
	}
}
