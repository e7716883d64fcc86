package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func newBaseline(name, env string) *staxv1.Baseline {
	return &staxv1.Baseline{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: staxv1.BaselineSpec{EnvironmentRef: staxv1.EnvironmentReference{Name: env}}}
}

// storedBaseline makes a Baseline on a server that runs no controllers:
// its environment is made Ready by a status write, as the controller would.
func storedBaseline(t *testing.T, s *testServer, name string) *staxv1.Baseline {
	t.Helper()
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)
	env, err := envs.Create(ctx, newEnvironment(name+"-env", nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env.Status.Phase, env.Status.ObservedGeneration = staxv1.EnvironmentReady, env.Generation
	if _, err := envs.UpdateStatus(ctx, env, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := s.Client.StaxV1alpha1().Baselines(ns).Create(ctx, newBaseline(name, env.Name), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitBaseline polls the Baseline until cond holds.
func waitBaseline(t *testing.T, s *testServer, name, what string, cond func(*staxv1.Baseline) bool) {
	t.Helper()
	var last *staxv1.Baseline
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		b, err := s.Client.StaxV1alpha1().Baselines(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			last = nil
			return cond(nil), nil
		}
		if err != nil {
			return false, nil
		}
		last = b
		return cond(b), nil
	})
	if err != nil {
		t.Fatalf("baseline %s: never %s; last %+v", name, what, last)
	}
}

// baselineReadsFromCache is the count of consistent lists of baselines
// that stax-apiserver's watch cache has served, from its /metrics.
func baselineReadsFromCache(ctx context.Context, t *testing.T, s *testServer) string {
	t.Helper()
	body, err := s.Client.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var counts []string
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "apiserver_watch_cache_consistent_read_total{") && strings.Contains(line, `resource="baselines"`) {
			counts = append(counts, line)
		}
	}
	return strings.Join(counts, "; ")
}

func conflictNaming(err error, words ...string) bool {
	if !apierrors.IsConflict(err) {
		return false
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			return false
		}
	}
	return true
}

// TestBaselines promotes an environment running on the local runtime and
// drives every refusal a Baseline and its overlays make, then the same
// rows through the gateway and kubectl's table.
func TestBaselines(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)
	baselines := s.Client.StaxV1alpha1().Baselines(ns)
	single := func(name string) *staxv1.Environment {
		return &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{demo(t, "web", 1, nil)}}}}
	}

	if _, err := envs.Create(ctx, single("shop"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := envs.Create(ctx, single("idle"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	shop := waitFor(t, s, "shop", "Ready", phaseIs(staxv1.EnvironmentReady))
	// Ready, then stopped: a Stopped environment cannot be promoted.
	waitFor(t, s, "idle", "Ready", phaseIs(staxv1.EnvironmentReady))
	if _, err := envs.Patch(ctx, "idle", types.MergePatchType, []byte(`{"spec":{"paused":true}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "idle", "Stopped", phaseIs(staxv1.EnvironmentStopped))

	t.Run("only a Ready environment is promoted", func(t *testing.T) {
		if _, err := baselines.Create(ctx, newBaseline("idle-stable", "idle"), metav1.CreateOptions{}); !conflictNaming(err, "Stopped") {
			t.Fatalf("promoting a Stopped environment: want 409 naming its phase, got %v", err)
		}
		b, err := baselines.Create(ctx, newBaseline("main", "shop"), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !apiequality.Semantic.DeepEqual(b.Status.Blueprint, shop.Spec.Blueprint) || b.Status.Phase != staxv1.EnvironmentReady {
			t.Fatalf("status %+v, want the blueprint of shop and Ready", b.Status)
		}
	})

	t.Run("phase follows the environment", func(t *testing.T) {
		if _, err := envs.Patch(ctx, "shop", types.MergePatchType, []byte(`{"spec":{"paused":true}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		waitBaseline(t, s, "main", "Stopped", func(b *staxv1.Baseline) bool { return b != nil && b.Status.Phase == staxv1.EnvironmentStopped })
		if _, err := envs.Patch(ctx, "shop", types.MergePatchType, []byte(`{"spec":{"paused":false}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		waitBaseline(t, s, "main", "Ready", func(b *staxv1.Baseline) bool { return b != nil && b.Status.Phase == staxv1.EnvironmentReady })
	})

	changeBlueprint := func() error {
		_, err := envs.Patch(ctx, "shop", types.JSONPatchType,
			[]byte(`[{"op":"replace","path":"/spec/blueprint/services/0/replicas","value":2}]`), metav1.PatchOptions{})
		return err
	}
	t.Run("the held blueprint is immutable", func(t *testing.T) {
		err := changeBlueprint()
		if !apierrors.IsInvalid(err) || !hasCause(err, "spec.blueprint") || !strings.Contains(err.Error(), "main") {
			t.Fatalf("changing the blueprint: want 422 on spec.blueprint naming main, got %v", err)
		}
	})

	t.Run("overlays hold the environment and the baseline", func(t *testing.T) {
		orphan := single("orphan")
		orphan.Spec.BaselineRef = &staxv1.BaselineReference{Name: "nope"}
		if _, err := envs.Create(ctx, orphan, metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !hasCause(err, "spec.baselineRef.name") {
			t.Fatalf("an overlay of a missing baseline: want 422 on spec.baselineRef.name, got %v", err)
		}
		// Validated against the union with main's blueprint: a service of
		// the overlay may depend on the baseline's web, not on what neither has.
		onWeb := single("on-web")
		onWeb.Spec.BaselineRef = &staxv1.BaselineReference{Name: "main"}
		onWeb.Spec.Blueprint.Services[0].Name, onWeb.Spec.Blueprint.Services[0].DependsOn = "api", []string{"web"}
		dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
		if _, err := envs.Create(ctx, onWeb, dryRun); err != nil {
			t.Fatalf("an overlay's service on the baseline's web: %v", err)
		}
		onWeb.Spec.Blueprint.Services[0].DependsOn = []string{"cache"}
		if _, err := envs.Create(ctx, onWeb, dryRun); !apierrors.IsInvalid(err) || !hasCause(err, "spec.blueprint.services[0].dependsOn[0]") {
			t.Fatalf("an overlay's service on a service neither has: want 422 on its dependsOn, got %v", err)
		}

		feature := single("feature")
		feature.Spec.BaselineRef = &staxv1.BaselineReference{Name: "main"}
		if _, err := envs.Create(ctx, feature, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitBaseline(t, s, "main", "counting the overlay", func(b *staxv1.Baseline) bool { return b != nil && b.Status.Overlays == 1 })

		// Promoting again makes a new Baseline; the overlay stays on main.
		if _, err := baselines.Create(ctx, newBaseline("main-2", "shop"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitBaseline(t, s, "main-2", "its phase", func(b *staxv1.Baseline) bool { return b != nil && b.Status.Phase == staxv1.EnvironmentReady })
		if b, _ := baselines.Get(ctx, "main-2", metav1.GetOptions{}); b.Status.Overlays != 0 {
			t.Errorf("main-2 counts %d overlays", b.Status.Overlays)
		}

		err := s.Client.StaxV1alpha1().RESTClient().Post().Namespace(ns).Resource("environments").Name("shop").SubResource("stop").
			Body([]byte("{}")).SetHeader("Content-Type", "application/json").Do(ctx).Error()
		if !conflictNaming(err, "feature") {
			t.Errorf("stop: want 409 listing the overlay, got %v", err)
		}
		if _, err := envs.Patch(ctx, "shop", types.MergePatchType, []byte(`{"spec":{"paused":true}}`), metav1.PatchOptions{}); !conflictNaming(err, "feature") {
			t.Errorf("paused patch: want 409 listing the overlay, got %v", err)
		}
		fromCache := baselineReadsFromCache(ctx, t, s)
		if err := envs.Delete(ctx, "shop", metav1.DeleteOptions{}); !conflictNaming(err, "feature") {
			t.Errorf("delete environment: want 409 listing the overlay, got %v", err)
		}
		if err := envs.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{FieldSelector: "metadata.name=shop"}); !conflictNaming(err, "feature") {
			t.Errorf("delete a collection holding the environment: want 409 listing the overlay, got %v", err)
		}
		// The checks read the baselines from etcd: a consistent read from
		// the watch cache waits for it to catch up (package quorum).
		if n := baselineReadsFromCache(ctx, t, s); n != fromCache {
			t.Errorf("the delete checks read baselines from the watch cache: %v reads, then %v", fromCache, n)
		}
		if err := baselines.Delete(ctx, "main", metav1.DeleteOptions{}); !conflictNaming(err, "feature") {
			t.Errorf("delete baseline: want 409 listing the overlay, got %v", err)
		}
	})

	t.Run("kubectl get baselines", func(t *testing.T) {
		for _, resource := range []string{"baselines", "bl"} {
			out := mustKubectl(t, s, "", "get", resource)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "NAME ENVIRONMENT PHASE OVERLAYS AGE" {
				t.Fatalf("kubectl get %s:\n%s", resource, out)
			}
			if f := strings.Fields(lines[1]); len(f) != 5 || f[0] != "main" || f[1] != "shop" || f[2] != "Ready" || f[3] != "1" {
				t.Errorf("kubectl get %s row: %q", resource, lines[1])
			}
		}
		if out := mustKubectl(t, s, "", "get", "stax"); !strings.Contains(out, "baseline.stax.microstax.ai/main") {
			t.Errorf("kubectl get stax lacks the baseline:\n%s", out)
		}
		// explain reads the served OpenAPI: the frozen blueprint, and an
		// overlay's reference and service sources on the Environment.
		for what, want := range map[string]string{
			"baselines.status.blueprint":          "frozen",
			"environments.spec.baselineRef":       "Baseline",
			"environments.status.services.source": "shared",
		} {
			if out := mustKubectl(t, s, "", "explain", what); !strings.Contains(out, want) {
				t.Errorf("kubectl explain %s lacks %q:\n%s", what, want, out)
			}
		}
	})

	t.Run("without overlays the baseline goes and releases the environment", func(t *testing.T) {
		if err := envs.Delete(ctx, "feature", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, s, "shop", "still Ready", phaseIs(staxv1.EnvironmentReady))
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			_, err := envs.Get(ctx, "feature", metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		if err != nil {
			t.Fatal("the overlay was never deleted")
		}
		for _, name := range []string{"main", "main-2"} {
			if err := baselines.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			waitBaseline(t, s, name, "deleted", func(b *staxv1.Baseline) bool { return b == nil })
		}
		if err := changeBlueprint(); err != nil {
			t.Fatalf("the blueprint of a released environment: %v", err)
		}
	})

	t.Run("through the gateway", func(t *testing.T) {
		if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
			ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		c := &restClient{t: t, base: startGateway(t, s), token: mintWithCLI(t, s, ns, "alice"), org: ns, http: &http.Client{Timeout: time.Minute}}
		waitFor(t, s, "shop", "Ready with its new blueprint", phaseIs(staxv1.EnvironmentReady))
		c.do("POST", "/v1/baselines", "application/json", `{"name":"idle-stable","environment":"idle"}`).expect(t, "promote Stopped", 409, nil)
		c.do("POST", "/v1/baselines", "application/json", `{"name":"x","environment":"shop","colour":"red"}`).expect(t, "unknown field", 422, nil)
		var b staxv1.Baseline
		a := c.do("POST", "/v1/baselines", "application/json", `{"name":"gw","environment":"shop"}`).expect(t, "promote", 201, &b)
		if a.Header.Get("Location") != "/v1/baselines/gw" || b.Spec.EnvironmentRef.Name != "shop" || len(b.Status.Blueprint.Services) != 1 {
			t.Fatalf("created: Location %q, %+v", a.Header.Get("Location"), b)
		}
		var got staxv1.Baseline
		c.do("GET", "/v1/baselines/gw", "", "").expect(t, "get", 200, &got)
		if got.Name != "gw" || got.Status.Phase != staxv1.EnvironmentReady {
			t.Errorf("get: %+v", got)
		}
		var list staxv1.BaselineList
		c.do("GET", "/v1/baselines", "", "").expect(t, "list", 200, &list)
		if len(list.Items) != 1 || list.Items[0].Name != "gw" {
			t.Errorf("list: %+v", list.Items)
		}
		c.do("GET", "/v1/baselines/nope", "", "").expect(t, "get missing", 404, nil)
	})
}
