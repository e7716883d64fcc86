package e2e

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/microstax/stax/pkg/runtime"
	kuberuntime "github.com/microstax/stax/pkg/runtime/kubernetes"
	"github.com/microstax/stax/test/e2e/cluster"
)

// crashImage is the image testdata/kwok-crashloop.yaml makes crash-loop.
const crashImage = "stax-e2e/crashloop:1"

// startWorkloadCluster runs etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok with two fake nodes; no stax-apiserver. Stages
// are more of kwok's Stage files of testdata, beside the default ones and
// kwok-crashloop.yaml.
func startWorkloadCluster(t testing.TB, stages ...string) *cluster.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, cluster.Config{
		Dir:       t.TempDir(),
		ToolsBin:  toolsBin,
		Workloads: true,
		NoStax:    true,
		KwokConfig: append([]string{
			filepath.Join(toolsBin, "..", "kwok-default-stages.yaml"),
			filepath.Join(repoRoot, "test", "e2e", "testdata", "kwok-crashloop.yaml"),
		}, stages...),
	})
	if err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := c.StopChecked(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			for _, p := range c.Processes {
				t.Logf("end of %s:\n%s", p.Log, p.Tail(30))
			}
		}
	})
	if err := c.AddFakeNodes(ctx, 2); err != nil {
		t.Fatal(err)
	}
	return c
}

func demoPlan() runtime.Plan {
	return runtime.Plan{Organization: "acme", Environment: "demo", Services: []runtime.ServicePlan{
		{Name: "db", Image: "postgres:17", Replicas: 1, Ports: []runtime.Port{{Name: "pg", Port: 5432}},
			Health: &runtime.HealthCheck{Period: 5 * time.Second, FailureThreshold: 3}},
		{Name: "api", Image: "ghcr.io/acme/api:1", Replicas: 2, DependsOn: []string{"db"},
			Ports:    []runtime.Port{{Name: "http", Port: 8080}},
			Requests: runtime.ResourceList{"cpu": resource.MustParse("100m"), "memory": resource.MustParse("64Mi")},
			Health:   &runtime.HealthCheck{HTTPPath: "/healthz", Period: 5 * time.Second, FailureThreshold: 3}},
	}}
}

// waitState polls Status until ok holds, failing with the last state.
func waitState(t *testing.T, rt runtime.Runtime, org, env string, what string, ok func(runtime.EnvironmentState) bool) runtime.EnvironmentState {
	t.Helper()
	var last runtime.EnvironmentState
	var lastErr error
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		last, lastErr = rt.Status(ctx, org, env)
		return lastErr == nil && ok(last), nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v; last status %+v, error %v", what, err, last.Services, lastErr)
	}
	return last
}

func allHealth(health string) func(runtime.EnvironmentState) bool {
	return func(st runtime.EnvironmentState) bool {
		for _, s := range st.Services {
			if s.Health != health {
				return false
			}
		}
		return len(st.Services) > 0
	}
}

func TestKubernetesRuntime(t *testing.T) {
	c := startWorkloadCluster(t)
	ctx := context.Background()
	rt, err := kuberuntime.New(kuberuntime.Config{Client: c.Client})
	if err != nil {
		t.Fatal(err)
	}
	plan := demoPlan()
	ns := kuberuntime.NamespaceName("acme", "demo")
	deployment := func(t *testing.T, name string) *appsv1.Deployment {
		t.Helper()
		d, err := c.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	wantLabels := func(t *testing.T, what string, labels map[string]string, service string) {
		t.Helper()
		if labels[kuberuntime.LabelOrganization] != "acme" || labels[kuberuntime.LabelEnvironment] != "demo" {
			t.Errorf("%s: labels %v", what, labels)
		}
		if service != "" && labels[kuberuntime.LabelService] != service {
			t.Errorf("%s: service label %q, want %q", what, labels[kuberuntime.LabelService], service)
		}
	}

	t.Run("apply creates a labelled namespace, Deployments and Services", func(t *testing.T) {
		if err := rt.Apply(ctx, plan); err != nil {
			t.Fatal(err)
		}
		// Twice: Apply is idempotent.
		if err := rt.Apply(ctx, plan); err != nil {
			t.Fatalf("second apply: %v", err)
		}
		nsObj, err := c.Client.CoreV1().Namespaces().Get(ctx, "stax-acme-demo", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantLabels(t, "namespace", nsObj.Labels, "")
		for _, s := range plan.Services {
			d := deployment(t, s.Name)
			wantLabels(t, "deployment "+s.Name, d.Labels, s.Name)
			wantLabels(t, "selector of "+s.Name, d.Spec.Selector.MatchLabels, s.Name)
			wantLabels(t, "pod template of "+s.Name, d.Spec.Template.Labels, s.Name)
			if *d.Spec.Replicas != s.Replicas {
				t.Errorf("%s: replicas %d, want %d", s.Name, *d.Spec.Replicas, s.Replicas)
			}
			svc, err := c.Client.CoreV1().Services(ns).Get(ctx, s.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			wantLabels(t, "service "+s.Name, svc.Labels, s.Name)
			if svc.Spec.Ports[0].Port != s.Ports[0].Port || svc.Spec.Selector[kuberuntime.LabelService] != s.Name {
				t.Errorf("service %s: %+v", s.Name, svc.Spec)
			}
		}
		api := deployment(t, "api").Spec.Template.Spec.Containers[0]
		env := map[string]string{}
		for _, e := range api.Env {
			env[e.Name] = e.Value
		}
		if env["DB_URL"] != "http://db.stax-acme-demo.svc:5432" || env["PORT"] != "8080" {
			t.Errorf("api env: %v", env)
		}
		if api.ReadinessProbe == nil || api.ReadinessProbe.HTTPGet == nil || api.ReadinessProbe.HTTPGet.Path != "/healthz" {
			t.Errorf("api probe: %+v", api.ReadinessProbe)
		}
		if q := api.Resources.Requests[corev1.ResourceCPU]; q.MilliValue() != 100 {
			t.Errorf("api cpu request: %v", q.String())
		}
	})

	t.Run("pods run on kwok nodes and Status says Healthy", func(t *testing.T) {
		st := waitState(t, rt, "acme", "demo", "all Healthy", allHealth(runtime.HealthHealthy))
		if len(st.Services) != 2 || st.Services[0].Name != "db" || st.Services[1].Name != "api" {
			t.Fatalf("services out of plan order: %+v", st.Services)
		}
		api := st.Services[1]
		if api.Desired != 2 || api.Ready != 2 || api.Endpoint != "api.stax-acme-demo.svc:8080" {
			t.Errorf("api: %+v", api)
		}
		pods, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: kuberuntime.LabelService + "=api"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pods.Items {
			if p.Status.Phase != corev1.PodRunning || !strings.HasPrefix(p.Spec.NodeName, "kwok-node-") {
				t.Errorf("pod %s: phase %s on %q", p.Name, p.Status.Phase, p.Spec.NodeName)
			}
		}
	})

	t.Run("a crash-looping pod's reason reaches Status", func(t *testing.T) {
		crash := runtime.Plan{Organization: "acme", Environment: "crash", Services: []runtime.ServicePlan{
			{Name: "worker", Image: crashImage, Replicas: 1}}}
		if err := rt.Apply(ctx, crash); err != nil {
			t.Fatal(err)
		}
		st := waitState(t, rt, "acme", "crash", "worker Unhealthy", allHealth(runtime.HealthUnhealthy))
		w := st.Services[0]
		if w.Reason != "CrashLoopBackOff" || w.Restarts != 3 || w.Ready != 0 || !strings.Contains(w.Message, "back-off") {
			t.Errorf("worker: %+v", w)
		}
	})

	t.Run("a service without image is refused by name", func(t *testing.T) {
		bad := runtime.Plan{Organization: "acme", Environment: "noimage", Services: []runtime.ServicePlan{
			{Name: "web", Command: []string{"./web"}, Replicas: 1}}}
		err := rt.Apply(ctx, bad)
		if err == nil || !strings.Contains(err.Error(), "service web has no image; the kubernetes runtime runs container images") {
			t.Fatalf("got %v", err)
		}
		// Refused before anything was written.
		if _, err := c.Client.CoreV1().Namespaces().Get(ctx, kuberuntime.NamespaceName("acme", "noimage"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("namespace of a refused plan: %v", err)
		}
	})

	t.Run("stop scales to zero and records the replicas", func(t *testing.T) {
		if err := rt.Stop(ctx, "acme", "demo"); err != nil {
			t.Fatal(err)
		}
		for _, s := range plan.Services {
			d := deployment(t, s.Name)
			if *d.Spec.Replicas != 0 || d.Annotations[kuberuntime.AnnotationReplicas] != strconv.Itoa(int(s.Replicas)) {
				t.Errorf("%s: replicas %d, annotation %q", s.Name, *d.Spec.Replicas, d.Annotations[kuberuntime.AnnotationReplicas])
			}
		}
		// A second Stop keeps the first record rather than recording zero.
		if err := rt.Stop(ctx, "acme", "demo"); err != nil {
			t.Fatal(err)
		}
		if got := deployment(t, "api").Annotations[kuberuntime.AnnotationReplicas]; got != "2" {
			t.Errorf("after a second stop: annotation %q", got)
		}
		waitState(t, rt, "acme", "demo", "all Stopped", allHealth(runtime.HealthStopped))
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
			pods, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			return err == nil && len(pods.Items) == 0, nil
		})
		if err != nil {
			t.Errorf("pods left after stop: %v", err)
		}
	})

	t.Run("resume restores the recorded replicas", func(t *testing.T) {
		// A record changed while stopped (by hand, say): the record, not the
		// plan, is what resume restores.
		if _, err := c.Client.AppsV1().Deployments(ns).Patch(ctx, "api", types.MergePatchType,
			[]byte(`{"metadata":{"annotations":{"`+kuberuntime.AnnotationReplicas+`":"3"}}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := rt.Apply(ctx, plan); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]int32{"db": 1, "api": 3} {
			d := deployment(t, name)
			if *d.Spec.Replicas != want {
				t.Errorf("%s: replicas %d, want %d", name, *d.Spec.Replicas, want)
			}
			if _, ok := d.Annotations[kuberuntime.AnnotationReplicas]; ok {
				t.Errorf("%s: annotation kept after resume", name)
			}
		}
		st := waitState(t, rt, "acme", "demo", "all Healthy again", allHealth(runtime.HealthHealthy))
		if st.Services[1].Ready != 3 {
			t.Errorf("api: %+v", st.Services[1])
		}
		// The next Apply is back to the plan.
		if err := rt.Apply(ctx, plan); err != nil {
			t.Fatal(err)
		}
		if r := *deployment(t, "api").Spec.Replicas; r != 2 {
			t.Errorf("api after a plain apply: %d replicas", r)
		}
	})

	t.Run("apply removes services no longer planned", func(t *testing.T) {
		smaller := demoPlan()
		smaller.Services = smaller.Services[1:]
		smaller.Services[0].DependsOn = nil
		if err := rt.Apply(ctx, smaller); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "db", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("db Deployment: %v", err)
		}
		if _, err := c.Client.CoreV1().Services(ns).Get(ctx, "db", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("db Service: %v", err)
		}
		waitState(t, rt, "acme", "demo", "api only", func(st runtime.EnvironmentState) bool {
			return len(st.Services) == 1 && st.Services[0].Name == "api"
		})
	})

	t.Run("logs of an unknown service are not found", func(t *testing.T) {
		_, err := rt.Logs(ctx, "acme", "demo", runtime.LogOptions{Service: "nope", Replica: -1})
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("got %v", err)
		}
	})

	t.Run("delete removes the namespace", func(t *testing.T) {
		if err := rt.Delete(ctx, "acme", "demo"); err != nil {
			t.Fatal(err)
		}
		// The namespace controller empties it, then it is gone.
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := c.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		if err != nil {
			t.Fatalf("namespace %s still there: %v", ns, err)
		}
		if _, err := rt.Status(ctx, "acme", "demo"); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("status after delete: %v", err)
		}
	})
}
