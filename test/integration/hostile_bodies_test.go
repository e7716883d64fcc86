package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/gateway"
)

// hostileMemoryCeiling bounds the peak resident memory (VmHWM) of each
// server after it has been sent the amplified bodies. Before the YAML
// budget the apiserver rose past 1 GiB on one such body and 3.7 GiB on
// four; with it, both stay near their idle peak (docs/security.md).
const hostileMemoryCeiling = 256 << 20

// amplifiedYAML is a blueprint of 106 kB: one 100 kB anchor named 2,000
// times, ~200 MB once each alias is written out. prefix holds what comes
// before the spec's fields (a manifest's header, or nothing for the
// gateway's short form) and indent the spec's indentation.
func amplifiedYAML(prefix, indent string) string {
	var b strings.Builder
	b.WriteString(prefix)
	fmt.Fprintf(&b, "%sdisplayName: &a %q\n%sblueprint:\n%s  services:\n%s  - name: web\n%s    command:\n",
		indent, strings.Repeat("a", 100_000), indent, indent, indent, indent)
	for i := 0; i < 2_000; i++ {
		b.WriteString(indent + "    - *a\n")
	}
	return b.String()
}

const amplifiedManifest = "apiVersion: stax.microstax.ai/v1alpha1\nkind: Environment\nmetadata: {name: big}\nspec:\n"

// TestHostileYAMLBodies sends the amplified blueprint, four at once, to
// stax-apiserver (create, and server-side apply) and to stax-gateway, both
// child processes, with an organization's token: each is refused with 413
// naming the aliases, and neither server's peak memory leaves its bound.
func TestHostileYAMLBodies(t *testing.T) {
	p := startProcess(t, t.TempDir())
	ctx := context.Background()
	if _, err := p.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	token := mintWithCLI(t, p.testServer, ns, "alice")
	gw := startGatewayProcess(t, p.testServer)

	cfg := rest.AnonymousClientConfig(p.Config)
	cfg.BearerToken = token
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	api := &http.Client{Transport: transport, Timeout: 2 * time.Minute}
	envs := p.Config.Host + "/apis/stax.microstax.ai/v1alpha1/namespaces/" + ns + "/environments"
	manifest := amplifiedYAML(amplifiedManifest, "  ")
	short := "name: big\n" + amplifiedYAML("", "")

	t.Run("apiserver", func(t *testing.T) {
		before := vmHWM(t, p.cmd.Process.Pid)
		sendConcurrently(t, api, 4, func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, envs, strings.NewReader(manifest))
			r.Header.Set("Content-Type", "application/yaml")
			return r
		})
		sendConcurrently(t, api, 4, func() *http.Request {
			r, _ := http.NewRequest(http.MethodPatch, envs+"/big?fieldManager=x", strings.NewReader(manifest))
			r.Header.Set("Content-Type", "application/apply-patch+yaml")
			return r
		})
		checkPeak(t, "stax-apiserver", p.cmd.Process.Pid, before)
	})
	// The filter hands on what it measured: small aliased YAML still
	// creates and applies.
	t.Run("apiserver accepts a few aliases", func(t *testing.T) {
		small := amplifiedManifest + "  displayName: &a sleep\n  blueprint:\n    services:\n    - name: web\n      command: [*a, \"600\"]\n"
		for _, tc := range []struct{ method, url, contentType string }{
			{http.MethodPost, envs, "application/yaml"},
			{http.MethodPatch, envs + "/big?fieldManager=x", "application/apply-patch+yaml"},
		} {
			r, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(small))
			r.Header.Set("Content-Type", tc.contentType)
			resp, err := api.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 != 2 || !strings.Contains(string(body), `"displayName":"sleep"`) {
				t.Errorf("%s %s: status %d: %.300s", tc.method, tc.contentType, resp.StatusCode, body)
			}
		}
	})
	t.Run("gateway", func(t *testing.T) {
		before := vmHWM(t, gw.pid)
		sendConcurrently(t, &http.Client{Timeout: 2 * time.Minute}, 4, func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, gw.url+"/v1/environments", strings.NewReader(short))
			r.Header.Set("Content-Type", "application/yaml")
			r.Header.Set("Authorization", "Bearer "+token)
			r.Header.Set(gateway.OrganizationHeader, ns)
			return r
		})
		checkPeak(t, "stax-gateway", gw.pid, before)
	})
}

// sendConcurrently sends n requests at once and wants each refused with 413
// naming the aliases.
func sendConcurrently(t *testing.T, c *http.Client, n int, newRequest func() *http.Request) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := newRequest()
			began := time.Now()
			resp, err := c.Do(req)
			if err != nil {
				errs <- err
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Logf("%s %s (%s): %d after %v", req.Method, req.URL.Path, req.Header.Get("Content-Type"), resp.StatusCode, time.Since(began))
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "YAML expands to more than") {
				errs <- fmt.Errorf("%s %s: status %d, want 413 naming the aliases: %.300s", req.Method, req.URL.Path, resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func checkPeak(t *testing.T, what string, pid int, before int64) {
	t.Helper()
	after := vmHWM(t, pid)
	t.Logf("%s VmHWM: %d MiB before the bodies, %d MiB after", what, before>>20, after>>20)
	if after > hostileMemoryCeiling {
		t.Errorf("%s peak resident memory %d MiB, want under %d MiB", what, after>>20, hostileMemoryCeiling>>20)
	}
}

// vmHWM is a process's peak resident memory, in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

type gatewayProcess struct {
	url string
	pid int
}

// startGatewayProcess builds stax-gateway and runs it as a child process on
// loopback in front of s, with args, until the test ends.
func startGatewayProcess(t *testing.T, s *testServer, args ...string) gatewayProcess {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stax-gateway")
	build := exec.Command("go", "build", "-o", bin, "github.com/microstax/stax/cmd/stax-gateway")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building stax-gateway: %v\n%s", err, out)
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	cmd := exec.Command(bin, append([]string{"--listen", addr, "--kubeconfig", s.Kubeconfig}, args...)...)
	logFile, err := os.Create(filepath.Join(s.DataDir, "gateway.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logFile.Close(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	url := "http://" + addr
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(url + "/v1/openapi.json"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-done:
			t.Fatal("stax-gateway exited before it served")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("stax-gateway did not serve within a minute")
		}
	}
	return gatewayProcess{url: url, pid: cmd.Process.Pid}
}
