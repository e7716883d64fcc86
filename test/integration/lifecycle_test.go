package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

var (
	demoOnce sync.Once
	demoPath string
	demoErr  error
)

// demoService builds the project's small HTTP service once per test binary.
func demoService(t testing.TB) string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stax-demo")
		if err != nil {
			demoErr = err
			return
		}
		demoPath = filepath.Join(dir, "stax-demo-service")
		out, err := exec.Command("go", "build", "-o", demoPath, "github.com/microstax/stax/cmd/stax-demo-service").CombinedOutput()
		if err != nil {
			demoErr = fmt.Errorf("building stax-demo-service: %v\n%s", err, out)
		}
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoPath
}

// demo is a blueprint service running stax-demo-service with an HTTP
// health check on its one port.
func demo(t testing.TB, name string, replicas int32, deps []string, args ...string) staxv1.ServiceSpec {
	return staxv1.ServiceSpec{
		Name:      name,
		Command:   []string{demoService(t)},
		Args:      append([]string{"-name", name}, args...),
		Replicas:  ptr.To(replicas),
		Ports:     []staxv1.ServicePort{{Name: "http", Port: 8080}},
		Health:    &staxv1.HealthCheck{HTTP: &staxv1.HTTPHealthCheck{Path: "/healthz", Port: intstr.FromString("http")}, PeriodSeconds: 1, FailureThreshold: 3},
		DependsOn: deps,
	}
}

func chainEnvironment(t testing.TB, name string) *staxv1.Environment {
	return &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			demo(t, "db", 1, nil),
			demo(t, "api", 2, []string{"db"}),
			demo(t, "web", 1, []string{"api"}),
		}}},
	}
}

// waitFor polls the environment until cond holds. It lists rather than
// gets: a request naming the environment would count as use and keep the
// idle timeout from ever firing.
func waitFor(t testing.TB, s *testServer, name, what string, cond func(*staxv1.Environment) bool) *staxv1.Environment {
	t.Helper()
	var last *staxv1.Environment
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := s.Client.StaxV1alpha1().Environments(ns).List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
		if err != nil || len(list.Items) != 1 {
			return false, nil
		}
		last = &list.Items[0]
		return cond(last), nil
	})
	if err != nil {
		t.Fatalf("%s: never %s; last status %+v", name, what, lastStatus(last))
	}
	return last
}

func lastStatus(e *staxv1.Environment) any {
	if e == nil {
		return nil
	}
	return e.Status
}

func phaseIs(p staxv1.EnvironmentPhase) func(*staxv1.Environment) bool {
	return func(e *staxv1.Environment) bool {
		return e.Status.Phase == p && e.Status.ObservedGeneration == e.Generation
	}
}

func endpointOf(t testing.TB, e *staxv1.Environment, service string) string {
	t.Helper()
	for _, s := range e.Status.Services {
		if s.Name == service && s.Endpoint != "" {
			return s.Endpoint
		}
	}
	t.Fatalf("%s has no endpoint in %+v", service, e.Status.Services)
	return ""
}

func TestEnvironmentLifecycleOnLocalRuntime(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)

	created, err := envs.Create(ctx, chainEnvironment(t, "chain"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.Status.Phase != staxv1.EnvironmentPending {
		t.Fatalf("create answered with phase %q: creation must be asynchronous", created.Status.Phase)
	}

	// kubectl wait sees the Ready condition.
	out, err := exec.Command(kubectlPath(t), "--kubeconfig", s.Kubeconfig, "-n", ns, "wait",
		"--for=condition=Ready", "environment/chain", "--timeout=60s").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl wait: %v\n%s", err, out)
	}
	ready := waitFor(t, s, "chain", "Ready", phaseIs(staxv1.EnvironmentReady))
	if c := meta.FindStatusCondition(ready.Status.Conditions, staxv1.ConditionProvisioned); c == nil || c.Status != metav1.ConditionTrue {
		t.Fatalf("Provisioned condition: %+v", c)
	}
	if ready.Status.LastProbeTime == nil || !contains(ready.Finalizers, "stax.microstax.ai/teardown") {
		t.Fatalf("status without probe time or finalizer: %+v %v", ready.Status, ready.Finalizers)
	}
	web := endpointOf(t, ready, "web")

	t.Run("services answer and reach their dependencies", func(t *testing.T) {
		body := httpGet(t, "http://"+web+"/")
		for _, want := range []string{`"web"`, `"api"`, `"db"`} {
			if !strings.Contains(body, want) {
				t.Fatalf("web's answer does not show the chain (%s missing): %s", want, body)
			}
		}
	})

	t.Run("logs, and follow delivers new lines", func(t *testing.T) {
		rc := s.Client.Discovery().RESTClient()
		for _, svc := range []string{"db", "api", "web"} {
			logs, err := rc.Get().AbsPath("/apis/stax.microstax.ai/v1alpha1/namespaces", ns, "environments", "chain", "log").
				Param("service", svc).DoRaw(ctx)
			if err != nil || !strings.Contains(string(logs), svc+" listening on") || !strings.Contains(string(logs), "GET /healthz") {
				t.Fatalf("%s's logs: %v\n%s", svc, err, logs)
			}
		}
		// "logs", the former name, answers the same with a warning.
		res := rc.Get().AbsPath("/apis/stax.microstax.ai/v1alpha1/namespaces", ns, "environments", "chain", "logs").
			Param("service", "web").Param("tailLines", "50").Do(ctx)
		logs, err := res.Raw()
		if err != nil || !strings.Contains(string(logs), "GET /") {
			t.Fatalf("web's logs: %v\n%s", err, logs)
		}
		if w := res.Warnings(); len(w) != 1 || !strings.Contains(w[0].Text, "use environments/log") {
			t.Fatalf("environments/logs warned %+v, want one warning naming environments/log", w)
		}
		// Do, not DoRaw, which keeps the Status's causes.
		err = rc.Get().AbsPath("/apis/stax.microstax.ai/v1alpha1/namespaces", ns, "environments", "chain", "log").
			Param("service", "nope").Param("tailLines", "-1").Do(ctx).Error()
		if !apierrors.IsBadRequest(err) || !hasCause(err, "service") || !hasCause(err, "tailLines") {
			t.Fatalf("logs of an unknown service from line -1: want 400 naming service and tailLines, got %v", err)
		}
		followCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		stream, err := rc.Get().AbsPath("/apis/stax.microstax.ai/v1alpha1/namespaces", ns, "environments", "chain", "log").
			Param("service", "web").Param("follow", "true").Param("tailLines", "0").Stream(followCtx)
		if err != nil {
			t.Fatal(err)
		}
		defer stream.Close()
		lines := make(chan string, 100)
		go func() {
			sc := bufio.NewScanner(stream)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		marker := fmt.Sprintf("/follow-%d", time.Now().UnixNano())
		sent := time.Now()
		_, _ = http.Get("http://" + web + marker)
		for {
			select {
			case line := <-lines:
				if strings.Contains(line, marker) {
					t.Logf("followed line arrived %s after the request", time.Since(sent))
					return
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("follow delivered no line with %s", marker)
			}
		}
	})

	t.Run("stop ends every process, resume brings them back", func(t *testing.T) {
		rc := s.Client.StaxV1alpha1().RESTClient()
		before, err := envs.Get(ctx, "chain", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := rc.Post().Namespace(ns).Resource("environments").Name("chain").SubResource("stop").
			Param("dryRun", "All").Body([]byte("{}")).DoRaw(ctx)
		if err != nil {
			t.Fatalf("dry-run stop: %v", err)
		}
		var dry staxv1.Environment
		if err := json.Unmarshal(raw, &dry); err != nil || !dry.Spec.Paused {
			t.Fatalf("dry-run stop answered %s (%v)", raw, err)
		}
		after, err := envs.Get(ctx, "chain", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if after.Spec.Paused || after.Generation != before.Generation || after.Status.Phase != staxv1.EnvironmentReady {
			t.Fatalf("a dry-run stop changed the environment: paused %v, generation %d -> %d, phase %s",
				after.Spec.Paused, before.Generation, after.Generation, after.Status.Phase)
		}
		raw, err = rc.Post().Namespace(ns).Resource("environments").Name("chain").SubResource("stop").
			Body([]byte("{}")).DoRaw(ctx)
		if err != nil {
			t.Fatalf("stop: %v", err)
		}
		var stopped staxv1.Environment
		if err := json.Unmarshal(raw, &stopped); err != nil || !stopped.Spec.Paused {
			t.Fatalf("stop answered %s (%v)", raw, err)
		}
		waitFor(t, s, "chain", "Stopped", phaseIs(staxv1.EnvironmentStopped))
		if conn, err := net.DialTimeout("tcp", web, time.Second); err == nil {
			conn.Close()
			// The front port stays reserved; no replica may answer behind it.
			if resp, err := (&http.Client{Timeout: 7 * time.Second}).Get("http://" + web + "/"); err == nil {
				resp.Body.Close()
				t.Fatalf("web still answers while stopped")
			}
		}
		// No body at all is an empty action too.
		err = rc.Post().Namespace(ns).Resource("environments").Name("chain").SubResource("stop").Do(ctx).Error()
		if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "already") {
			t.Fatalf("second stop: want 409, got %v", err)
		}
		if err := rc.Post().Namespace(ns).Resource("environments").Name("chain").SubResource("resume").Body([]byte("{}")).Do(ctx).Error(); err != nil {
			t.Fatalf("resume: %v", err)
		}
		resumed := waitFor(t, s, "chain", "Ready again", phaseIs(staxv1.EnvironmentReady))
		if resumed.Status.StoppedAt == nil || resumed.Status.RunningSeconds < 0 {
			t.Fatalf("stop not accounted: %+v", resumed.Status)
		}
		if body := httpGet(t, "http://"+endpointOf(t, resumed, "web")+"/"); !strings.Contains(body, `"db"`) {
			t.Fatalf("after resume: %s", body)
		}
		err = rc.Post().Namespace(ns).Resource("environments").Name("chain").SubResource("resume").Body([]byte("{}")).Do(ctx).Error()
		if !apierrors.IsConflict(err) {
			t.Fatalf("resume of a running environment: want 409, got %v", err)
		}
	})

	t.Run("a crashing service is restarted and reported Degraded", func(t *testing.T) {
		flaky := demo(t, "flaky", 1, nil, "-exit-after", "300ms")
		patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"blueprint": map[string]any{
			"services": []staxv1.ServiceSpec{demo(t, "db", 1, nil), demo(t, "api", 2, []string{"db"}), demo(t, "web", 1, []string{"api"}), flaky},
		}}})
		if _, err := envs.Patch(ctx, "chain", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		degraded := waitFor(t, s, "chain", "Degraded by the crashing service", func(e *staxv1.Environment) bool {
			for _, svc := range e.Status.Services {
				if svc.Name == "flaky" && svc.Restarts > 0 && strings.Contains(svc.Message, "CrashLoop") {
					return e.Status.Phase == staxv1.EnvironmentDegraded
				}
			}
			return false
		})
		c := meta.FindStatusCondition(degraded.Status.Conditions, staxv1.ConditionReady)
		if c == nil || c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "flaky") {
			t.Fatalf("Ready condition does not name the crashing service: %+v", c)
		}
	})

	t.Run("delete leaves no process and writes a record", func(t *testing.T) {
		current, err := envs.Get(ctx, "chain", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := envs.Delete(ctx, "chain", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := envs.Get(ctx, "chain", metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		if err != nil {
			t.Fatalf("environment never went away")
		}
		if resp, err := (&http.Client{Timeout: 7 * time.Second}).Get("http://" + web + "/"); err == nil {
			resp.Body.Close()
			t.Fatalf("web still answers after delete")
		}
		records, err := s.Client.StaxV1alpha1().EnvironmentRecords(ns).List(ctx, metav1.ListOptions{LabelSelector: "stax.microstax.ai/environment=chain"})
		if err != nil || len(records.Items) != 1 {
			t.Fatalf("records: %v %v", records, err)
		}
		r := records.Items[0]
		if r.CreatedBy != "stax-admin" || r.EnvironmentUID != string(current.UID) || len(r.Blueprint.Services) != 4 ||
			r.RunningSeconds < 1 || r.Usage.ReplicaHours == "0.0000" {
			t.Fatalf("record: %+v", r)
		}
	})
}

func TestAutoShutdown(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)

	idle := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "idle", Namespace: ns}, Spec: staxv1.EnvironmentSpec{
		Blueprint:    staxv1.Blueprint{Services: []staxv1.ServiceSpec{demo(t, "api", 1, nil)}},
		AutoShutdown: &staxv1.AutoShutdown{IdleTimeout: &metav1.Duration{Duration: 3 * time.Second}},
	}}
	doomed := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "doomed", Namespace: ns}, Spec: staxv1.EnvironmentSpec{
		Blueprint:    staxv1.Blueprint{Services: []staxv1.ServiceSpec{demo(t, "api", 1, nil)}},
		AutoShutdown: &staxv1.AutoShutdown{TimeToLive: &metav1.Duration{Duration: 4 * time.Second}},
	}}
	for _, e := range []*staxv1.Environment{idle, doomed} {
		if _, err := envs.Create(ctx, e, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	withTimes := waitFor(t, s, "doomed", "shows its expiry", func(e *staxv1.Environment) bool { return e.Status.ExpirationTime != nil })
	if d := withTimes.Status.ExpirationTime.Sub(withTimes.CreationTimestamp.Time); d != 4*time.Second {
		t.Fatalf("expirationTime is %s after creation", d)
	}
	stopped := waitFor(t, s, "idle", "stopped for idleness", phaseIs(staxv1.EnvironmentStopped))
	if !stopped.Spec.Paused {
		t.Fatalf("idle environment stopped without spec.paused")
	}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := envs.Get(ctx, "doomed", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("environment past its time to live was not deleted")
	}
	records, err := s.Client.StaxV1alpha1().EnvironmentRecords(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(records.Items) != 1 || records.Items[0].Environment != "doomed" {
		t.Fatalf("records after TTL: %v %v", records, err)
	}
}

func TestRestartDuringProvisioningLosesNothing(t *testing.T) {
	dataDir := t.TempDir()
	first := startProcess(t, dataDir, "--controllers=environment", "--runtime=local")
	ctx := context.Background()
	slow := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "slow", Namespace: ns}, Spec: staxv1.EnvironmentSpec{
		Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			demo(t, "db", 1, nil, "-unhealthy-for", "2s"),
			demo(t, "api", 1, []string{"db"}),
		}},
	}}
	if _, err := first.Client.StaxV1alpha1().Environments(ns).Create(ctx, slow, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, first.testServer, "slow", "Provisioning", phaseIs(staxv1.EnvironmentProvisioning))
	first.kill(t)

	second := startProcess(t, dataDir, "--controllers=environment", "--runtime=local")
	ready := waitFor(t, second.testServer, "slow", "Ready after the restart", phaseIs(staxv1.EnvironmentReady))
	if body := httpGet(t, "http://"+endpointOf(t, ready, "api")+"/"); !strings.Contains(body, `"db"`) {
		t.Fatalf("api after restart: %s", body)
	}
}

func httpGet(t testing.TB, url string) string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return string(body)
}

// hasCause says whether an API error names the field among its causes.
func hasCause(err error, field string) bool {
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Details == nil {
		return false
	}
	for _, c := range status.Status().Details.Causes {
		if c.Field == field {
			return true
		}
	}
	return false
}

// TestCreatedPausedIsStopped: an environment created paused runs nothing
// and reads Stopped; resumed, it starts and becomes Ready.
func TestCreatedPausedIsStopped(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)
	env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "later", Namespace: ns},
		Spec: staxv1.EnvironmentSpec{Paused: true, Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{demo(t, "web", 1, nil)}}}}
	if _, err := envs.Create(ctx, env, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "later", "Stopped", phaseIs(staxv1.EnvironmentStopped))
	if _, err := envs.Patch(ctx, "later", types.MergePatchType, []byte(`{"spec":{"paused":false}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "later", "Ready once resumed", phaseIs(staxv1.EnvironmentReady))
}
