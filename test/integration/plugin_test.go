package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

var (
	pluginOnce sync.Once
	pluginDir  string
	pluginErr  error
)

// pluginBinaries builds kubectl-stax and kubectl_complete-stax once per
// test binary into a directory the tests put first on PATH, where kubectl's
// plugin lookup finds them.
func pluginBinaries(t testing.TB) string {
	t.Helper()
	pluginOnce.Do(func() {
		pluginDir, pluginErr = os.MkdirTemp("", "kubectl-stax")
		if pluginErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", pluginDir+"/",
			"github.com/microstax/stax/cmd/kubectl-stax", "github.com/microstax/stax/cmd/kubectl_complete-stax").CombinedOutput()
		if err != nil {
			pluginErr = fmt.Errorf("building kubectl-stax: %v\n%s", err, out)
		}
	})
	if pluginErr != nil {
		t.Fatal(pluginErr)
	}
	return pluginDir
}

// staxResult is one run of the plugin.
type staxResult struct {
	stdout, stderr string
	code           int
}

// staxCommand is "kubectl stax ARGS" (or, with name, that executable)
// against kubeconfig. Global flags come after "stax": kubectl finds a
// plugin only by the words before the first flag.
func staxCommand(ctx context.Context, t *testing.T, kubeconfig string, args ...string) *exec.Cmd {
	dir := pluginBinaries(t)
	cmd := exec.CommandContext(ctx, kubectlPath(t), append([]string{"stax"}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+kubeconfig)
	return cmd
}

func runStax(t *testing.T, kubeconfig, stdin string, args ...string) staxResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := staxCommand(ctx, t, kubeconfig, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := staxResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("kubectl stax %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// expectStax runs the plugin and checks its exit code and that its output
// (stdout and stderr) holds each of want.
func expectStax(t *testing.T, kubeconfig, stdin string, code int, want []string, args ...string) staxResult {
	t.Helper()
	res := runStax(t, kubeconfig, stdin, args...)
	args = shortArgs(args)
	all := res.stdout + res.stderr
	if res.code != code {
		t.Fatalf("kubectl stax %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, code, res.stdout, res.stderr)
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Fatalf("kubectl stax %s: output lacks %q\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), w, res.stdout, res.stderr)
		}
	}
	return res
}

// shortArgs cuts long arguments (tokens) for messages.
func shortArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if len(a) > 40 {
			a = a[:20] + "..."
		}
		out[i] = a
	}
	return out
}

// blueprintFile writes examples/demo.yaml renamed to name.
func blueprintFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(examplesDir(), "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, bytes.Replace(data, []byte("name: demo\n"), []byte("name: "+name+"\n"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKubectlStax runs the real kubectl-stax binary as "kubectl stax"
// through kubectl's plugin lookup, against a server with the controller
// and the local runtime: every command, its exit codes and its errors.
func TestKubectlStax(t *testing.T) {
	// examples/demo.yaml runs "stax-demo-service" from the server's PATH,
	// as make run arranges.
	t.Setenv("PATH", filepath.Dir(demoService(t))+string(os.PathListSeparator)+os.Getenv("PATH"))
	pluginBinaries(t)
	s := startInProcess(t)
	kc := s.Kubeconfig
	n := []string{"-n", ns}
	args := func(a ...string) []string { return append(a, n...) }

	t.Run("usage errors exit 2", func(t *testing.T) {
		expectStax(t, kc, "", 2, []string{"up needs -f"}, args("up")...)
		expectStax(t, kc, "", 2, []string{"unknown command"}, "nosuch")
		expectStax(t, kc, "", 2, []string{"takes one environment name"}, "status")
		expectStax(t, kc, "", 2, []string{"unknown flag"}, args("get", "--bogus")...)
	})

	t.Run("unknown environment", func(t *testing.T) {
		want := []string{`environment "nope" not found in namespace "acme"; list them with kubectl stax get`}
		for _, cmd := range [][]string{{"status", "nope"}, {"get", "nope"}, {"stop", "nope"}, {"resume", "nope"}, {"delete", "nope"}, {"logs", "nope"}} {
			expectStax(t, kc, "", 1, want, args(cmd...)...)
		}
	})

	t.Run("bad blueprint names each field", func(t *testing.T) {
		bad := `apiVersion: stax.microstax.ai/v1alpha1
kind: Environment
metadata: {name: broken}
spec:
  blueprint:
    services:
      - name: api
        command: [stax-demo-service]
        ports: [{name: http, port: 0}]
        dependsOn: [cache]
`
		expectStax(t, kc, bad, 1, []string{`environment "broken" is invalid`,
			"* spec.blueprint.services[0].ports[0].port:", "* spec.blueprint.services[0].dependsOn[0]:"}, args("up", "-f", "-")...)
		unknown := strings.Replace(bad, "ports: [{name: http, port: 0}]\n        dependsOn: [cache]", "colour: blue", 1)
		expectStax(t, kc, unknown, 1, []string{`.spec.blueprint.services[name="api"].colour: field not declared in schema`}, args("up", "-f", "-")...)
		expectStax(t, kc, "kind: Secret\napiVersion: v1\nmetadata: {name: x}\n", 1, []string{"applies an Environment"}, args("up", "-f", "-")...)
	})

	t.Run("up in a pipe prints one line per change", func(t *testing.T) {
		start := time.Now()
		res := expectStax(t, kc, "", 0, []string{"environment demo: Ready, 3/3 services ready", "service api: 2/2 ready, health Healthy"},
			args("up", "-f", filepath.Join(examplesDir(), "demo.yaml"))...)
		t.Logf("demo Ready in %s", time.Since(start).Round(time.Millisecond))
		if strings.Contains(res.stdout, "\x1b") {
			t.Fatalf("escape codes in a pipe:\n%q", res.stdout)
		}
		lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
		seen := map[string]bool{}
		for _, l := range lines {
			if seen[l] {
				t.Fatalf("line %q printed twice: one line per change only\n%s", l, res.stdout)
			}
			seen[l] = true
		}
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "environment demo: Ready") && !strings.HasPrefix(last, "service ") {
			t.Fatalf("last line %q", last)
		}
		// Applying the same blueprint again is no change, and Ready at once.
		expectStax(t, kc, "", 0, []string{"environment demo: Ready"}, args("up", "-f", filepath.Join(examplesDir(), "demo.yaml"))...)
	})

	t.Run("up reports an apply conflict", func(t *testing.T) {
		mustKubectl(t, s, `{"apiVersion":"stax.microstax.ai/v1alpha1","kind":"Environment","metadata":{"name":"demo"},"spec":{"displayName":"Ops owns this"}}`,
			"apply", "--server-side", "--field-manager=ops", "--force-conflicts", "-f", "-")
		expectStax(t, kc, "", 1, []string{"conflicts with other field managers", ".spec.displayName", `"ops"`, "--force-conflicts"},
			args("up", "-f", filepath.Join(examplesDir(), "demo.yaml"))...)
		expectStax(t, kc, "", 0, []string{"environment demo: Ready"},
			args("up", "-f", filepath.Join(examplesDir(), "demo.yaml"), "--force-conflicts")...)
	})

	t.Run("get prints the server's table", func(t *testing.T) {
		res := expectStax(t, kc, "", 0, nil, args("get")...)
		lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
		if h := strings.Join(strings.Fields(lines[0]), " "); h != "NAME PHASE READY BASELINE AGE" {
			t.Fatalf("heading %q", h)
		}
		if row := strings.Fields(lines[1]); row[0] != "demo" || row[1] != "Ready" || row[2] != "3/3" {
			t.Fatalf("row %q", row)
		}
		expectStax(t, kc, "", 0, []string{"DISPLAY NAME", "SERVICES", "db,api,web"}, args("get", "demo", "-o", "wide")...)
		expectStax(t, kc, "", 0, []string{"NAMESPACE", "acme"}, "get", "-A")
		res = expectStax(t, kc, "", 0, nil, args("get", "-o", "json")...)
		var list staxv1.EnvironmentList
		if err := json.Unmarshal([]byte(res.stdout), &list); err != nil || list.Kind != "EnvironmentList" || len(list.Items) != 1 {
			t.Fatalf("-o json: %v %+v\n%s", err, list.TypeMeta, res.stdout)
		}
		expectStax(t, kc, "", 0, []string{"kind: Environment", "name: demo", "phase: Ready"}, args("get", "demo", "-o", "yaml")...)
		expectStax(t, kc, "", 0, []string{"environment.stax.microstax.ai/demo"}, args("get", "-o", "name")...)
		expectStax(t, kc, "", 2, []string{"unknown output format"}, args("get", "-o", "xml")...)
	})

	t.Run("kubeconfig flags reach the server", func(t *testing.T) {
		// Impersonation reaches the server: bob may not list.
		expectStax(t, kc, "", 1, []string{`User "bob" cannot list resource "environments"`}, args("get", "--as", "bob")...)
		expectStax(t, kc, "", 1, []string{`context "nosuch" does not exist`}, args("get", "--context", "nosuch")...)
		expectStax(t, kc, "", 0, []string{"No environments found in namespace \"globex\""}, "get", "--namespace", "globex")
	})

	t.Run("status shows services and endpoints", func(t *testing.T) {
		res := expectStax(t, kc, "", 0, []string{"Environment:", "acme/demo", "Phase:", "Ready", "Conditions:", "Services:", "ENDPOINT", "127.0.0.1:"}, args("status", "demo")...)
		for _, svc := range []string{"db", "api", "web"} {
			if !regexp.MustCompile(`(?m)^  ` + svc + `\s+\d/\d\s+Healthy\s+0\s+127\.0\.0\.1:\d+`).MatchString(res.stdout) {
				t.Fatalf("status lacks a row of %s:\n%s", svc, res.stdout)
			}
		}
	})

	t.Run("logs", func(t *testing.T) {
		expectStax(t, kc, "", 0, []string{"api-0 ", "api-1 ", "db-0 ", "web-0 "}, args("logs", "demo")...)
		res := expectStax(t, kc, "", 0, []string{"listening on"}, args("logs", "demo", "-s", "db", "-r", "0")...)
		if strings.Contains(res.stdout, "db-0 ") || strings.Contains(res.stdout, "\x1b") {
			t.Fatalf("one replica's logs are not prefixed, nor coloured in a pipe:\n%s", res.stdout)
		}
		res = expectStax(t, kc, "", 0, nil, args("logs", "demo", "-s", "web", "--tail", "2")...)
		if n := strings.Count(strings.TrimSpace(res.stdout), "\n") + 1; n != 2 {
			t.Fatalf("--tail 2 printed %d lines:\n%s", n, res.stdout)
		}
		expectStax(t, kc, "", 0, nil, args("logs", "demo", "--since", "1m")...)
		expectStax(t, kc, "", 1, []string{"service"}, args("logs", "demo", "-s", "nope")...)
		expectStax(t, kc, "", 2, []string{"--replica needs --service"}, args("logs", "demo", "-r", "0")...)

		// -f delivers new lines (the health probes every 2 s) until stopped.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := staxCommand(ctx, t, kc, args("logs", "demo", "-s", "db", "-f", "--tail", "0")...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		if !sc.Scan() || !strings.Contains(sc.Text(), "GET /healthz") {
			t.Fatalf("follow: %q %v", sc.Text(), sc.Err())
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})

	t.Run("stop and resume", func(t *testing.T) {
		expectStax(t, kc, "", 0, []string{"stop requested", "environment demo: Stopped"}, args("stop", "demo", "--wait")...)
		expectStax(t, kc, "", 1, []string{"cannot stop: the environment is already Stopped", "kubectl stax resume demo"}, args("stop", "demo")...)
		expectStax(t, kc, "", 1, []string{"is stopped; start it with kubectl stax resume demo"}, args("up", "-f", filepath.Join(examplesDir(), "demo.yaml"), "--force-conflicts")...)
		expectStax(t, kc, "", 0, []string{"resume requested", "environment demo: Ready"}, args("resume", "demo", "--wait")...)
		expectStax(t, kc, "", 1, []string{"cannot resume: the environment is not stopped (phase Ready)"}, args("resume", "demo")...)
	})

	t.Run("up on a terminal redraws in place", func(t *testing.T) {
		screen, err := onTerminal(t, kc, args("up", "-f", blueprintFile(t, "tty"))...)
		if err != nil {
			t.Fatalf("up on a terminal: %v\n%q", err, screen)
		}
		if !regexp.MustCompile(`\x1b\[\d+A`).MatchString(screen) {
			t.Fatalf("no cursor-up sequence, so no redraw in place:\n%q", screen)
		}
		last := screen[strings.LastIndex(screen, "\x1b[J")+len("\x1b[J"):]
		if !strings.HasPrefix(last, "environment tty: Ready, 3/3 services ready") || !strings.Contains(last, "SERVICE") {
			t.Fatalf("the last frame is not Ready:\n%q", last)
		}
		// Log prefixes are coloured on a terminal.
		logs, err := onTerminal(t, kc, args("logs", "tty", "--tail", "3")...)
		if err != nil || !regexp.MustCompile(`\x1b\[\d+m(db|api|web)-\d\x1b\[0m `).MatchString(logs) {
			t.Fatalf("logs on a terminal: %v\n%q", err, logs)
		}
	})

	t.Run("Degraded exits 1 and a timeout exits 3", func(t *testing.T) {
		crash := `apiVersion: stax.microstax.ai/v1alpha1
kind: Environment
metadata: {name: crash}
spec:
  blueprint:
    services:
      - name: app
        command: [sh, -c, "exit 3"]
`
		expectStax(t, kc, crash, 1, []string{`environment "crash" is Degraded`}, args("up", "-f", "-", "--timeout", "1m")...)
		slow := `apiVersion: stax.microstax.ai/v1alpha1
kind: Environment
metadata: {name: slow}
spec:
  blueprint:
    services:
      - name: app
        command: [sleep, "600"]
        ports: [{name: http, port: 8080}]
        health: {tcp: {port: http}, periodSeconds: 60}
`
		expectStax(t, kc, slow, 3, []string{`timed out after 2s waiting for environment "slow"`}, args("up", "-f", "-", "--timeout", "2s")...)
		expectStax(t, kc, "", 0, []string{"crash is gone"}, args("delete", "crash", "--wait")...)
		expectStax(t, kc, "", 0, []string{"slow deleted"}, args("delete", "slow")...)
	})

	t.Run("completion", func(t *testing.T) {
		res := expectStax(t, kc, "", 0, []string{"bash completion"}, "completion", "bash")
		if res.stdout == "" {
			t.Fatal("empty bash completion")
		}
		expectStax(t, kc, "", 0, nil, "completion", "zsh")
		expectStax(t, kc, "", 0, nil, "completion", "fish")

		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// What kubectl runs for "kubectl stax status <TAB>".
		cmd := exec.CommandContext(ctx, filepath.Join(pluginBinaries(t), "kubectl_complete-stax"), "__complete", "status", "-n", ns, "")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+kc)
		out, err := cmd.CombinedOutput()
		if err != nil || !regexp.MustCompile(`(?m)^demo\tReady$`).Match(out) || !strings.Contains(string(out), "tty") {
			t.Fatalf("kubectl_complete-stax __complete status: %v\n%s", err, out)
		}
		// kubectl itself delegates to it, and commands complete too.
		cmd = exec.CommandContext(ctx, kubectlPath(t), "__complete", "stax", "")
		cmd.Env = append(os.Environ(), "PATH="+pluginBinaries(t)+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+kc)
		out, err = cmd.CombinedOutput()
		for _, want := range []string{"up", "status", "logs", "token"} {
			if err != nil || !regexp.MustCompile(`(?m)^`+want+`\t`).Match(out) {
				t.Fatalf("kubectl __complete stax: %v, lacks %s\n%s", err, want, out)
			}
		}
		cmd = exec.CommandContext(ctx, kubectlPath(t), "__complete", "stax", "logs", "-n", ns, "")
		cmd.Env = append(os.Environ(), "PATH="+pluginBinaries(t)+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+kc)
		out, err = cmd.CombinedOutput()
		if err != nil || !regexp.MustCompile(`(?m)^demo\tReady$`).Match(out) {
			t.Fatalf("kubectl __complete stax logs: %v\n%s", err, out)
		}
	})

	t.Run("tokens", func(t *testing.T) {
		token := mintWithCLI(t, s, ns, "alice")
		expectStax(t, kc, "", 0, []string{"Authenticated:", "User:", "alice", "Organization:", "acme", "ES256 verified, ML-DSA-65 verified", "Token ID:"},
			"token", "verify", token)
		// A token user mints a federated token for another audience.
		tokenKC := tokenKubeconfig(t, s, token)
		res := expectStax(t, tokenKC, "", 0, []string{"expires"}, args("token", "mint", "--audience", "https://other.example")...)
		if strings.Count(strings.TrimSpace(res.stdout), ".") != 2 {
			t.Fatalf("mint printed %q, not a token", res.stdout)
		}
		expectStax(t, kc, "", 2, []string{"needs --audience"}, args("token", "mint")...)
		expectStax(t, kc, token+"\n", 0, []string{"tokenrevocation acme/revoke-", "refused until"}, args("token", "revoke")...)
		expectStax(t, kc, "", 1, []string{"the token does not verify"}, "token", "verify", token)
		expectStax(t, kc, "not-a-token\n", 1, []string{"not a MicroStax token"}, args("token", "revoke")...)
		expectStax(t, kc, "", 2, []string{"no token"}, "token", "verify")
	})

	t.Run("delete waits until gone", func(t *testing.T) {
		expectStax(t, kc, "", 0, []string{"environment acme/demo deleted", "environment acme/demo is gone"}, args("delete", "demo", "--wait")...)
		expectStax(t, kc, "", 0, []string{"tty deleted"}, args("delete", "tty")...)
		expectStax(t, kc, "", 1, []string{`environment "demo" not found`}, args("status", "demo")...)
	})
}

// onTerminal runs "kubectl stax ARGS" on a pseudo-terminal and returns
// what it wrote there.
func onTerminal(t *testing.T, kubeconfig string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := staxCommand(ctx, t, kubeconfig, args...)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 160})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var out bytes.Buffer
	_, _ = io.Copy(&out, tty) // until EIO: the plugin closed the terminal
	return out.String(), cmd.Wait()
}

// tokenKubeconfig is a kubeconfig for s that authenticates with token only.
func tokenKubeconfig(t *testing.T, s *testServer, token string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["stax"] = &clientcmdapi.Cluster{Server: s.Config.Host, CertificateAuthorityData: s.Config.CAData}
	if len(s.Config.CAData) == 0 {
		cfg.Clusters["stax"].CertificateAuthority = s.Config.CAFile
	}
	cfg.AuthInfos["token"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["stax"] = &clientcmdapi.Context{Cluster: "stax", AuthInfo: "token", Namespace: ns}
	cfg.CurrentContext = "stax"
	path := filepath.Join(t.TempDir(), "token.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}
