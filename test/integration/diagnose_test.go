package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
)

var (
	faultyOnce sync.Once
	faultyPath string
	faultyErr  error
)

// faulty builds testdata/faulty, a process that fails on demand, once.
func faulty(t testing.TB) string {
	t.Helper()
	faultyOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stax-faulty")
		if err != nil {
			faultyErr = err
			return
		}
		faultyPath = filepath.Join(dir, "faulty")
		out, err := exec.Command("go", "build", "-o", faultyPath, "github.com/microstax/stax/test/integration/testdata/faulty").CombinedOutput()
		if err != nil {
			faultyErr = fmt.Errorf("building faulty: %v\n%s", err, out)
		}
	})
	if faultyErr != nil {
		t.Fatal(faultyErr)
	}
	return faultyPath
}

// faultySpec runs faulty in a mode, with a TCP health check when it
// listens.
func faultySpec(t testing.TB, name string, listens bool, deps []string, args ...string) staxv1.ServiceSpec {
	s := staxv1.ServiceSpec{Name: name, Command: []string{faulty(t)}, Args: args, Replicas: ptr.To[int32](1), DependsOn: deps}
	if listens {
		s.Ports = []staxv1.ServicePort{{Name: "tcp", Port: 9000}}
		s.Health = &staxv1.HealthCheck{TCP: &staxv1.TCPHealthCheck{Port: intstr.FromString("tcp")}, PeriodSeconds: 1, FailureThreshold: 2}
	}
	return s
}

func diagnoseEnv(t testing.TB, s *testServer, name string, spec staxv1.DiagnosisSpec, dryRunAll bool) (*staxv1.Diagnosis, error) {
	t.Helper()
	out := &staxv1.Diagnosis{}
	req := s.Client.StaxV1alpha1().RESTClient().Post().Namespace(ns).Resource("environments").Name(name).SubResource("diagnose").
		Body(&staxv1.Diagnosis{TypeMeta: metav1.TypeMeta{APIVersion: staxv1.SchemeGroupVersion.String(), Kind: "Diagnosis"}, Spec: spec})
	if dryRunAll {
		req = req.Param("dryRun", "All")
	}
	err := req.Do(context.Background()).Into(out)
	return out, err
}

// findingOf polls diagnoses until one has the analyzer's finding on
// service.
func findingOf(t testing.TB, s *testServer, env, analyzer, service string) (*staxv1.Diagnosis, staxv1.DiagnosisFinding) {
	t.Helper()
	var last *staxv1.Diagnosis
	var found staxv1.DiagnosisFinding
	err := wait.PollUntilContextTimeout(context.Background(), 300*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		d, err := diagnoseEnv(t, s, env, staxv1.DiagnosisSpec{}, false)
		if err != nil {
			return false, err
		}
		last = d
		for _, f := range d.Status.Findings {
			if f.Analyzer == analyzer && f.Service == service {
				found = f
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("%s: no %s finding on %s: %v; last diagnosis %+v", env, analyzer, service, err, last)
	}
	return last, found
}

// breakAPI replaces the environment's first service. Status writes and
// requests naming the environment (its activity) change it meanwhile:
// read it again on a conflict.
func breakAPI(t testing.TB, s *testServer, name string, broken staxv1.ServiceSpec) *staxv1.Environment {
	t.Helper()
	envs := s.Client.StaxV1alpha1().Environments(ns)
	for attempt := 0; ; attempt++ {
		cur, err := envs.Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Spec.Blueprint.Services[0] = broken
		updated, err := envs.Update(context.Background(), cur, metav1.UpdateOptions{})
		if err == nil {
			return updated
		}
		if !apierrors.IsConflict(err) || attempt == 10 {
			t.Fatal(err)
		}
	}
}

func hasLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// TestDiagnoseOnLocalRuntime provokes each failure the local runtime can
// show, diagnoses it, checks a dry run changes nothing, remediates and
// waits for Ready again.
func TestDiagnoseOnLocalRuntime(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	// Each case starts Ready with stax-demo-service as api, then breaks
	// api: the remedy is the rollback to the Ready blueprint.
	for _, tc := range []struct {
		name, analyzer, evidence string
		broken                   staxv1.ServiceSpec
	}{
		{"stack-trace", "StackTrace", "goroutine 1 [running]:", faultySpec(t, "api", false, nil, "panic")},
		{"address-in-use", "AddressInUse", "address already in use", faultySpec(t, "api", false, nil, "bind", taken.Addr().String())},
		{"missing-env", "MissingEnvironmentVariable", "CATALOGUE_URL is not set", faultySpec(t, "api", false, nil, "needenv", "CATALOGUE_URL")},
		{"killed", "OutOfMemory", "last exit: code 137, signal killed", faultySpec(t, "api", false, nil, "sigkill")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: tc.name, Namespace: ns},
				Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{demo(t, "api", 1, nil)}}}}
			if _, err := envs.Create(ctx, env, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			ready := waitFor(t, s, tc.name, "Ready", phaseIs(staxv1.EnvironmentReady))
			if ready.Status.LastReady == nil || ready.Status.LastReady.Generation != ready.Generation {
				t.Fatalf("no last Ready blueprint in status: %+v", ready.Status.LastReady)
			}
			if d, err := diagnoseEnv(t, s, tc.name, staxv1.DiagnosisSpec{}, false); err != nil || len(d.Status.Findings) != 0 {
				t.Fatalf("a Ready environment: %v %+v", err, d)
			}
			broken := breakAPI(t, s, tc.name, tc.broken)

			d, f := findingOf(t, s, tc.name, tc.analyzer, "api")
			if f.RootCause != "api" || f.Symptom || !hasLine(f.Evidence, tc.evidence) || f.Remediation.Action != "Rollback" {
				t.Fatalf("finding %+v: want root api, evidence %q, a rollback", f, tc.evidence)
			}
			if len(d.Status.RootCauses) != 1 || d.Status.RootCauses[0] != "api" {
				t.Fatalf("root causes %v", d.Status.RootCauses)
			}

			// Dry runs, in the spec and as the request's dryRun=All, say
			// what they would do and change nothing.
			for _, all := range []bool{false, true} {
				dry, err := diagnoseEnv(t, s, tc.name, staxv1.DiagnosisSpec{Remediate: true, DryRun: !all}, all)
				if err != nil {
					t.Fatal(err)
				}
				if len(dry.Status.Remediations) != 1 || dry.Status.Remediations[0].Result != "WouldApply" {
					t.Fatalf("dry run remediations %+v", dry.Status.Remediations)
				}
			}
			after, err := envs.Get(ctx, tc.name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if after.Generation != broken.Generation || len(after.Status.Remediations) != 0 {
				t.Fatalf("a dry run changed the environment: generation %d→%d, history %+v", broken.Generation, after.Generation, after.Status.Remediations)
			}

			fixed, err := diagnoseEnv(t, s, tc.name, staxv1.DiagnosisSpec{Remediate: true}, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(fixed.Status.Remediations) != 1 || fixed.Status.Remediations[0].Result != "Applied" || fixed.Status.Remediations[0].Action != "Rollback" {
				t.Fatalf("remediations %+v", fixed.Status.Remediations)
			}
			back := waitFor(t, s, tc.name, "Ready again", phaseIs(staxv1.EnvironmentReady))
			if back.Spec.Blueprint.Services[0].Command[0] != demoService(t) || len(back.Status.Remediations) != 1 ||
				!strings.Contains(back.Status.Remediations[0].Message, fmt.Sprintf("generation %d", ready.Generation)) {
				t.Fatalf("after the rollback: %+v, history %+v", back.Spec.Blueprint.Services[0], back.Status.Remediations)
			}
			if d, err := diagnoseEnv(t, s, tc.name, staxv1.DiagnosisSpec{}, false); err != nil || len(d.Status.Findings) != 0 {
				t.Fatalf("after the rollback: %v %+v", err, d.Status.Findings)
			}
		})
	}

	t.Run("kubectl stax diagnose", func(t *testing.T) {
		env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "plugin", Namespace: ns},
			Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{demo(t, "api", 1, nil)}}}}
		if _, err := envs.Create(ctx, env, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, s, "plugin", "Ready", phaseIs(staxv1.EnvironmentReady))
		expectStax(t, s.Kubeconfig, "", 0, []string{"No problems found."}, "-n", ns, "diagnose", "plugin")
		breakAPI(t, s, "plugin", faultySpec(t, "api", false, nil, "panic"))
		findingOf(t, s, "plugin", "StackTrace", "api")
		expectStax(t, s.Kubeconfig, "", 0, []string{"Root causes: api", "Error api: StackTrace", "| goroutine 1 [running]:", "Remedy (Rollback)"},
			"-n", ns, "diagnose", "plugin")
		if res := runStax(t, s.Kubeconfig, "", "-n", ns, "diagnose", "plugin", "--dry-run"); res.code == 0 || !strings.Contains(res.stderr, "--dry-run needs --fix") {
			t.Fatalf("--dry-run alone: exit %d, %s", res.code, res.stderr)
		}
		expectStax(t, s.Kubeconfig, "", 0, []string{"WouldApply Rollback api: would have rolled api back to generation 1"}, "-n", ns, "diagnose", "plugin", "--fix", "--dry-run")
		expectStax(t, s.Kubeconfig, "", 0, []string{"Applied Rollback api: rolled api back to generation 1"}, "-n", ns, "diagnose", "plugin", "--fix")
		waitFor(t, s, "plugin", "Ready again", phaseIs(staxv1.EnvironmentReady))
	})

	t.Run("dependency-refusing-connections", func(t *testing.T) {
		env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "refusing", Namespace: ns},
			Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
				faultySpec(t, "db", true, nil, "refuse-once"),
				faultySpec(t, "api", false, []string{"db"}, "dial", "DB_URL"),
			}}}}
		if _, err := envs.Create(ctx, env, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		d, f := findingOf(t, s, "refusing", "DependencyConnectionRefused", "api")
		if f.RootCause != "db" || !f.Symptom || !hasLine(f.Evidence, "connection reset by peer") {
			t.Fatalf("api's finding %+v: want a symptom of db with the refusal as evidence", f)
		}
		var root *staxv1.DiagnosisFinding
		for i, g := range d.Status.Findings {
			if g.Service == "db" {
				root = &d.Status.Findings[i]
			}
		}
		if root == nil || root.Symptom || root.Remediation.Action != "Restart" || d.Status.RootCauses[0] != "db" {
			t.Fatalf("db's finding %+v, roots %v", root, d.Status.RootCauses)
		}
		fixed, err := diagnoseEnv(t, s, "refusing", staxv1.DiagnosisSpec{Remediate: true}, false)
		if err != nil {
			t.Fatal(err)
		}
		// Only the root cause is remedied: api recovers with db.
		if len(fixed.Status.Remediations) != 1 || fixed.Status.Remediations[0].Service != "db" || fixed.Status.Remediations[0].Result != "Applied" {
			t.Fatalf("remediations %+v", fixed.Status.Remediations)
		}
		waitFor(t, s, "refusing", "Ready again", phaseIs(staxv1.EnvironmentReady))
	})

	t.Run("bad requests", func(t *testing.T) {
		_, err := diagnoseEnv(t, s, "stack-trace", staxv1.DiagnosisSpec{DryRun: true}, false)
		if !apierrors.IsInvalid(err) || !hasCause(err, "spec.dryRun") {
			t.Fatalf("dryRun without remediate: %v", err)
		}
		_, err = diagnoseEnv(t, s, "stack-trace", staxv1.DiagnosisSpec{TailLines: ptr.To[int64](0)}, false)
		if !apierrors.IsInvalid(err) || !hasCause(err, "spec.tailLines") {
			t.Fatalf("tailLines 0: %v", err)
		}
		if _, err := diagnoseEnv(t, s, "nope", staxv1.DiagnosisSpec{}, false); !apierrors.IsNotFound(err) {
			t.Fatalf("unknown environment: %v", err)
		}
		d, err := diagnoseEnv(t, s, "stack-trace", staxv1.DiagnosisSpec{Explain: true}, false)
		if err != nil || d.Status.AssistantError == "" {
			t.Fatalf("explain without an assistant: %v %+v", err, d.Status)
		}
	})
}

// TestGatewayDiagnose: the /v1 row answers the Diagnosis in the envelope
// and passes the apiserver's refusals on with their fields.
func TestGatewayDiagnose(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: ns},
		Spec: staxv1.EnvironmentSpec{Paused: true, Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{demo(t, "api", 1, nil)}}}}
	if _, err := s.Client.StaxV1alpha1().Environments(ns).Create(ctx, env, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	base := startGateway(t, s)
	c := &restClient{t: t, base: base, token: mintWithCLI(t, s, ns, "alice"), org: ns, http: &http.Client{Timeout: time.Minute}}

	// A stopped environment: the finding is Stopped, its remedy a resume,
	// which a dry run only describes.
	var d staxv1.Diagnosis
	c.do("POST", "/v1/environments/shop/diagnose", "application/json", `{"remediate": true, "dryRun": true}`).expect(t, "diagnose", http.StatusOK, &d)
	if len(d.Status.Findings) != 1 || d.Status.Findings[0].Analyzer != "Stopped" || len(d.Status.Remediations) != 1 ||
		d.Status.Remediations[0].Action != "Resume" || d.Status.Remediations[0].Result != "WouldApply" {
		t.Fatalf("diagnosis %+v", d.Status)
	}
	if got, _ := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, "shop", metav1.GetOptions{}); !got.Spec.Paused {
		t.Fatal("the dry run resumed the environment")
	}
	c.do("POST", "/v1/environments/shop/diagnose", "", "").expect(t, "an empty body", http.StatusOK, nil)
	c.do("POST", "/v1/environments/shop/diagnose", "application/json", `{"remediate": true}`).expect(t, "remediate", http.StatusOK, &d)
	if len(d.Status.Remediations) != 1 || d.Status.Remediations[0].Result != "Applied" {
		t.Fatalf("remediations %+v", d.Status.Remediations)
	}
	got, _ := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, "shop", metav1.GetOptions{})
	if got.Spec.Paused || len(got.Status.Remediations) != 1 || got.Status.Remediations[0].Action != "Resume" {
		t.Fatalf("after remediate: paused %v, history %+v", got.Spec.Paused, got.Status.Remediations)
	}

	a := c.do("POST", "/v1/environments/shop/diagnose", "application/json", `{"dryRun": true}`)
	if a.Status != http.StatusUnprocessableEntity || causeFields(a) != "spec.dryRun" {
		t.Fatalf("dryRun alone: %d %s", a.Status, causeFields(a))
	}
	if a := c.do("POST", "/v1/environments/shop/diagnose", "application/json", `{"bogus": 1}`); a.Status != http.StatusBadRequest {
		t.Fatalf("an unknown field: %d %+v", a.Status, a.Error)
	}
	if a := c.do("POST", "/v1/environments/nope/diagnose", "application/json", `{}`); a.Status != http.StatusNotFound {
		t.Fatalf("an unknown environment: %d", a.Status)
	}
}

// TestDiagnoseExplains: with --assistant-endpoint the server asks a
// chat-completions model (here the test's own, on loopback) to explain,
// never sending the environment's name, and restores it in the answer.
func TestDiagnoseExplains(t *testing.T) {
	var sent atomic.Value
	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Messages []struct{ Content string } }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		sent.Store(req.Messages[len(req.Messages)-1].Content)
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{
			"message": map[string]any{"role": "assistant", "content": "environment-1 is stopped: resume it."}}}})
	}))
	defer model.Close()
	s := startInProcess(t, storeOnly, func(o *server.Options) { o.Assistant.Endpoint = model.URL + "/v1/chat/completions" })
	env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "secret-project", Namespace: ns},
		Spec: staxv1.EnvironmentSpec{Paused: true, Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{demo(t, "api", 1, nil)}}}}
	if _, err := s.Client.StaxV1alpha1().Environments(ns).Create(context.Background(), env, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := diagnoseEnv(t, s, "secret-project", staxv1.DiagnosisSpec{Explain: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status.Explanation != "secret-project is stopped: resume it." || d.Status.AssistantError != "" {
		t.Fatalf("explanation %q, error %q", d.Status.Explanation, d.Status.AssistantError)
	}
	if p, _ := sent.Load().(string); p == "" || strings.Contains(p, "secret-project") {
		t.Fatalf("the model was sent %q", p)
	}
}
