package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kubectlPath is the real kubectl of the machine.
func kubectlPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KUBECTL"); p != "" {
		return p
	}
	p, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl not found on PATH (set KUBECTL): %v", err)
	}
	return p
}

// examplesDir is the repository's examples/: go test runs each test binary
// in its package's directory (a source path would break under -trimpath).
func examplesDir() string {
	return filepath.Join("..", "..", "examples")
}

// kubectl runs one kubectl command against s and returns its output.
func kubectl(t *testing.T, s *testServer, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlPath(t), append([]string{"--kubeconfig", s.Kubeconfig, "-n", ns}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustKubectl(t *testing.T, s *testServer, stdin string, args ...string) string {
	t.Helper()
	out, err := kubectl(t, s, stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func TestKubectl(t *testing.T) {
	s := startInProcess(t, storeOnly)
	example := filepath.Join(examplesDir(), "shop.yaml")

	out := mustKubectl(t, s, "", "apply", "-f", example)
	if !strings.Contains(out, "environment.stax.microstax.ai/shop created") {
		t.Fatalf("apply: %s", out)
	}

	out = mustKubectl(t, s, "", "get", "environments")
	header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	if strings.Join(header, " ") != "NAME PHASE READY BASELINE AGE" {
		t.Fatalf("columns: %q", header)
	}
	row := strings.Fields(strings.Split(out, "\n")[1])
	if row[0] != "shop" || row[1] != "Pending" || row[2] != "0/3" || row[3] != "<none>" {
		t.Fatalf("row: %q", row)
	}
	out = mustKubectl(t, s, "", "get", "env", "-o", "wide")
	if !strings.Contains(out, "SERVICES") || !strings.Contains(out, "db,api,web") {
		t.Fatalf("wide: %s", out)
	}
	out = mustKubectl(t, s, "", "get", "stax", "-o", "name")
	if strings.TrimSpace(out) != "environment.stax.microstax.ai/shop" {
		t.Fatalf("category stax: %s", out)
	}

	out = mustKubectl(t, s, "", "get", "environment", "shop", "-o", "yaml")
	for _, want := range []string{"kind: Environment", "phase: Pending", "name: api", "replicas: 2", "protocol: TCP"} {
		if !strings.Contains(out, want) {
			t.Fatalf("-o yaml lacks %q:\n%s", want, out)
		}
	}

	out = mustKubectl(t, s, "", "explain", "environment.spec.blueprint")
	if !strings.Contains(out, "services") || !strings.Contains(out, "Services are the services of the environment") {
		t.Fatalf("explain: %s", out)
	}

	// Server-side apply: a second manager changes the display name.
	ssa := `apiVersion: stax.microstax.ai/v1alpha1
kind: Environment
metadata:
  name: shop
spec:
  displayName: applied server-side
`
	out = mustKubectl(t, s, ssa, "apply", "--server-side", "--field-manager=ops", "--force-conflicts", "-f", "-")
	if !strings.Contains(out, "serverside-applied") {
		t.Fatalf("apply --server-side: %s", out)
	}
	out = mustKubectl(t, s, "", "get", "env", "shop", "-o", "jsonpath={.spec.displayName} {.spec.blueprint.services[*].name}")
	if out != "applied server-side db api web" {
		t.Fatalf("after server-side apply: %q", out)
	}

	// get -w sees a change made by someone else.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	watchCmd := exec.CommandContext(ctx, kubectlPath(t), "--kubeconfig", s.Kubeconfig, "-n", ns,
		"get", "env", "shop", "-w", "--output-watch-events", "-o", "jsonpath={.type} {.object.spec.displayName}{\"\\n\"}")
	stdout, err := watchCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	watchCmd.Stderr = &stderr
	if err := watchCmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expectLine(t, lines, "ADDED applied server-side", &stderr)
	mustKubectl(t, s, "", "patch", "env", "shop", "--type=merge", "-p", `{"spec":{"displayName":"seen by watch"}}`)
	expectLine(t, lines, "MODIFIED seen by watch", &stderr)
	cancel()
	_ = watchCmd.Wait()

	// An invalid blueprint is refused with the path of the bad field.
	bad := `apiVersion: stax.microstax.ai/v1alpha1
kind: Environment
metadata:
  name: broken
spec:
  blueprint:
    services:
      - name: api
        image: api:1
        ports:
          - name: http
            port: 0
        dependsOn: [cache]
`
	out, err = kubectl(t, s, bad, "apply", "-f", "-")
	if err == nil {
		t.Fatalf("invalid blueprint accepted: %s", out)
	}
	for _, want := range []string{"spec.blueprint.services[0].ports[0].port", "spec.blueprint.services[0].dependsOn[0]", "is invalid"} {
		if !strings.Contains(out, want) {
			t.Fatalf("refusal lacks %q: %s", want, out)
		}
	}
	// Bad YAML never reaches the server's storage.
	out, err = kubectl(t, s, "apiVersion: stax.microstax.ai/v1alpha1\nkind: Environment\nmetadata: [name: x\n", "apply", "-f", "-")
	if err == nil || !strings.Contains(strings.ToLower(out), "yaml") {
		t.Fatalf("malformed YAML: err=%v out=%s", err, out)
	}

	// The log options are parameters of the log path in the OpenAPI
	// document, and a bad one is refused naming it.
	type parameters []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	}
	var doc struct {
		Paths map[string]struct {
			Parameters parameters `json:"parameters"`
			Get        struct {
				Parameters parameters `json:"parameters"`
			} `json:"get"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(mustKubectl(t, s, "", "get", "--raw", "/openapi/v3/apis/stax.microstax.ai/v1alpha1")), &doc); err != nil {
		t.Fatal(err)
	}
	params := map[string]bool{}
	logPath := doc.Paths["/apis/stax.microstax.ai/v1alpha1/namespaces/{namespace}/environments/{name}/log"]
	for _, p := range append(logPath.Parameters, logPath.Get.Parameters...) {
		params[p.In+":"+p.Name] = true
	}
	for _, want := range []string{"service", "replica", "tailLines", "sinceSeconds", "follow"} {
		if !params["query:"+want] {
			t.Errorf("OpenAPI: GET environments/{name}/log lacks the query parameter %s (has %v)", want, params)
		}
	}
	// stop takes an EnvironmentAction and answers with the Environment.
	var stopDoc struct {
		Paths map[string]struct {
			Post struct {
				RequestBody struct {
					Content map[string]struct {
						Schema json.RawMessage `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
				Responses map[string]struct {
					Content map[string]struct {
						Schema json.RawMessage `json:"schema"`
					} `json:"content"`
				} `json:"responses"`
			} `json:"post"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(mustKubectl(t, s, "", "get", "--raw", "/openapi/v3/apis/stax.microstax.ai/v1alpha1")), &stopDoc); err != nil {
		t.Fatal(err)
	}
	stop := stopDoc.Paths["/apis/stax.microstax.ai/v1alpha1/namespaces/{namespace}/environments/{name}/stop"].Post
	if body := string(stop.RequestBody.Content["*/*"].Schema); !strings.Contains(body, "v1alpha1.EnvironmentAction\"") {
		t.Errorf("OpenAPI: POST environments/{name}/stop reads %+v, want an EnvironmentAction", stop.RequestBody)
	}
	if answer := string(stop.Responses["201"].Content["application/json"].Schema); !strings.Contains(answer, "v1alpha1.Environment\"") {
		t.Errorf("OpenAPI: POST environments/{name}/stop answers %s, want an Environment", answer)
	}
	envPath := "/apis/stax.microstax.ai/v1alpha1/namespaces/" + ns + "/environments/shop"
	out, err = kubectl(t, s, "", "get", "--raw", envPath+"/log?service=cache&sinceSeconds=0")
	if err == nil || !strings.Contains(out, "BadRequest") || !strings.Contains(out, "service: Not found") || !strings.Contains(out, "sinceSeconds: Invalid value") {
		t.Errorf("bad log options: err=%v out=%s", err, out)
	}

	// stop: a dry run answers with the paused environment and changes
	// nothing; the real one pauses it; a second one, with no body, is 409.
	out = mustKubectl(t, s, "{}", "create", "--raw", envPath+"/stop?dryRun=All", "-f", "-")
	if !strings.Contains(out, `"paused":true`) {
		t.Fatalf("dry-run stop answered %s", out)
	}
	if out := mustKubectl(t, s, "", "get", "env", "shop", "-o", "jsonpath={.spec.paused}"); out != "" {
		t.Fatalf("after a dry-run stop: spec.paused %q", out)
	}
	mustKubectl(t, s, "{}", "create", "--raw", envPath+"/stop", "-f", "-")
	if out := mustKubectl(t, s, "", "get", "env", "shop", "-o", "jsonpath={.spec.paused}"); out != "true" {
		t.Fatalf("after stop: spec.paused %q", out)
	}
	out, err = kubectl(t, s, "", "create", "--raw", envPath+"/stop", "-f", "/dev/null")
	if err == nil || !strings.Contains(out, "Conflict") || !strings.Contains(out, "already") {
		t.Fatalf("second stop, no body: err=%v out=%s", err, out)
	}

	out = mustKubectl(t, s, "", "delete", "-f", example)
	if !strings.Contains(out, `environment.stax.microstax.ai "shop" deleted`) {
		t.Fatalf("delete: %s", out)
	}
	out = mustKubectl(t, s, "", "get", "env")
	if !strings.Contains(out, "No resources found") {
		t.Fatalf("after delete: %s", out)
	}
}

func expectLine(t *testing.T, lines <-chan string, want string, stderr *bytes.Buffer) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("watch ended before %q; stderr: %s", want, stderr.String())
			}
			if strings.TrimSpace(line) == want {
				return
			}
		case <-timeout:
			t.Fatalf("no %q from kubectl get -w; stderr: %s", want, stderr.String())
		}
	}
}
