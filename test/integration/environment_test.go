package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	applystax "github.com/microstax/stax/pkg/generated/applyconfiguration/stax/v1alpha1"
)

const ns = "acme"

// newEnvironment is a small valid environment: api depends on db.
func newEnvironment(name string, labels map[string]string) *staxv1.Environment {
	return &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: staxv1.EnvironmentSpec{
			DisplayName: "env " + name,
			Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
				{Name: "db", Image: "postgres:16", Ports: []staxv1.ServicePort{{Name: "sql", Port: 5432}}},
				{Name: "api", Command: []string{"./api"}, DependsOn: []string{"db"},
					Ports:  []staxv1.ServicePort{{Name: "http", Port: 8080}},
					Health: &staxv1.HealthCheck{HTTP: &staxv1.HTTPHealthCheck{Path: "/healthz", Port: intstr.FromString("http")}}},
			}},
		},
	}
}

func TestEnvironmentAPI(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)

	t.Run("create defaults and starts Pending", func(t *testing.T) {
		created, err := envs.Create(ctx, newEnvironment("create", nil), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if created.Status.Phase != staxv1.EnvironmentPending || created.Generation != 1 {
			t.Fatalf("phase %q generation %d, want Pending and 1", created.Status.Phase, created.Generation)
		}
		api := created.Spec.Blueprint.Services[1]
		if api.Replicas == nil || *api.Replicas != 1 || api.Ports[0].Protocol != staxv1.ProtocolTCP ||
			api.Health.PeriodSeconds != 10 || api.Health.FailureThreshold != 3 {
			t.Fatalf("defaults not applied: %+v", api)
		}
		got, err := envs.Get(ctx, "create", metav1.GetOptions{})
		if err != nil || got.UID != created.UID {
			t.Fatalf("get after create: %v %v", got, err)
		}
	})

	t.Run("status sent on create is ignored", func(t *testing.T) {
		e := newEnvironment("status-on-create", nil)
		e.Status.Phase = staxv1.EnvironmentReady
		created, err := envs.Create(ctx, e, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if created.Status.Phase != staxv1.EnvironmentPending {
			t.Fatalf("client set phase %q on create", created.Status.Phase)
		}
	})

	t.Run("invalid blueprint is refused with field paths", func(t *testing.T) {
		e := newEnvironment("invalid", nil)
		e.Spec.Blueprint.Services[0].DependsOn = []string{"api"}
		e.Spec.Blueprint.Services[1].Ports[0].Port = 70000
		e.Spec.Blueprint.Services[1].Resources.Limits = staxv1.ResourceList{"memory": intstr.FromString("a lot")}
		_, err := envs.Create(ctx, e, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) {
			t.Fatalf("want 422 Invalid, got %v", err)
		}
		causes := map[string]string{}
		for _, c := range err.(apierrors.APIStatus).Status().Details.Causes {
			causes[c.Field] = c.Message
		}
		for _, f := range []string{
			"spec.blueprint.services",
			"spec.blueprint.services[1].ports[0].port",
			"spec.blueprint.services[1].resources.limits[memory]",
		} {
			if _, ok := causes[f]; !ok {
				t.Errorf("no cause for %s in %v", f, causes)
			}
		}
		if !strings.Contains(causes["spec.blueprint.services"], "db -> api -> db") {
			t.Errorf("cycle not named: %q", causes["spec.blueprint.services"])
		}
		if _, err := envs.Get(ctx, "invalid", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("invalid environment was stored: %v", err)
		}
	})

	t.Run("list with label and field selectors, paged", func(t *testing.T) {
		storedBaseline(t, s, "main") // list-4 is an overlay of it
		for i := 0; i < 5; i++ {
			team := "red"
			if i%2 == 1 {
				team = "blue"
			}
			e := newEnvironment(fmt.Sprintf("list-%d", i), map[string]string{"team": team, "suite": "list"})
			if i == 4 {
				e.Spec.BaselineRef = &staxv1.BaselineReference{Name: "main"}
			}
			if _, err := envs.Create(ctx, e, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		red, err := envs.List(ctx, metav1.ListOptions{LabelSelector: "suite=list,team=red"})
		if err != nil {
			t.Fatal(err)
		}
		if names := itemNames(red.Items); names != "list-0,list-2,list-4" {
			t.Fatalf("team=red listed %s", names)
		}
		overlays, err := envs.List(ctx, metav1.ListOptions{FieldSelector: "spec.baselineRef.name=main"})
		if err != nil {
			t.Fatal(err)
		}
		if names := itemNames(overlays.Items); names != "list-4" {
			t.Fatalf("baselineRef selector listed %s", names)
		}
		pending, err := envs.List(ctx, metav1.ListOptions{LabelSelector: "suite=list", FieldSelector: "status.phase=Pending"})
		if err != nil || len(pending.Items) != 5 {
			t.Fatalf("status.phase=Pending: %d items, %v", len(pending.Items), err)
		}
		if _, err := envs.List(ctx, metav1.ListOptions{FieldSelector: "spec.displayName=x"}); !apierrors.IsBadRequest(err) {
			t.Fatalf("unsupported field selector: want 400, got %v", err)
		}

		var pages []string
		opts := metav1.ListOptions{LabelSelector: "suite=list", Limit: 2}
		for {
			page, err := envs.List(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, itemNames(page.Items))
			if page.Continue == "" {
				break
			}
			opts.Continue = page.Continue
		}
		if got := strings.Join(pages, "|"); got != "list-0,list-1|list-2,list-3|list-4" {
			t.Fatalf("pages %s", got)
		}

		if err := envs.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "suite=list,team=blue"}); err != nil {
			t.Fatal(err)
		}
		left, err := envs.List(ctx, metav1.ListOptions{LabelSelector: "suite=list"})
		if err != nil {
			t.Fatal(err)
		}
		if names := itemNames(left.Items); names != "list-0,list-2,list-4" {
			t.Fatalf("after deletecollection of blue: %s", names)
		}
	})

	t.Run("update, stale update, generation", func(t *testing.T) {
		e, err := envs.Create(ctx, newEnvironment("update", nil), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		stale := e.DeepCopy()
		e.Spec.DisplayName = "renamed"
		updated, err := envs.Update(ctx, e, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if updated.Generation != 2 {
			t.Fatalf("spec change: generation %d, want 2", updated.Generation)
		}
		stale.Spec.DisplayName = "lost update"
		if _, err := envs.Update(ctx, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
			t.Fatalf("stale update: want 409 Conflict, got %v", err)
		}
		updated.Labels = map[string]string{"touched": "yes"}
		relabelled, err := envs.Update(ctx, updated, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if relabelled.Generation != 2 {
			t.Fatalf("metadata-only change bumped generation to %d", relabelled.Generation)
		}
		relabelled.Spec.BaselineRef = &staxv1.BaselineReference{Name: "main"}
		if _, err := envs.Update(ctx, relabelled, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) ||
			!strings.Contains(err.Error(), "spec.baselineRef") {
			t.Fatalf("setting baselineRef after create: want 422 on spec.baselineRef, got %v", err)
		}
	})

	t.Run("spec and status are updated apart", func(t *testing.T) {
		e, err := envs.Create(ctx, newEnvironment("apart", nil), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// A status write cannot change the spec.
		e.Status.Phase = staxv1.EnvironmentReady
		e.Status.ObservedGeneration = 1
		e.Spec.DisplayName = "sneaky"
		afterStatus, err := envs.UpdateStatus(ctx, e, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if afterStatus.Status.Phase != staxv1.EnvironmentReady || afterStatus.Spec.DisplayName != "env apart" ||
			afterStatus.Generation != 1 {
			t.Fatalf("status update: phase %q displayName %q generation %d",
				afterStatus.Status.Phase, afterStatus.Spec.DisplayName, afterStatus.Generation)
		}
		// A spec write cannot change the status.
		afterStatus.Status.Phase = staxv1.EnvironmentFailed
		afterStatus.Spec.DisplayName = "renamed"
		afterSpec, err := envs.Update(ctx, afterStatus, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if afterSpec.Status.Phase != staxv1.EnvironmentReady || afterSpec.Spec.DisplayName != "renamed" {
			t.Fatalf("spec update: phase %q displayName %q", afterSpec.Status.Phase, afterSpec.Spec.DisplayName)
		}
		afterSpec.Status.Phase = "Sleeping"
		if _, err := envs.UpdateStatus(ctx, afterSpec, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
			t.Fatalf("unknown phase through status: want 422, got %v", err)
		}
	})

	t.Run("merge patch", func(t *testing.T) {
		if _, err := envs.Create(ctx, newEnvironment("patch", nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		patch := []byte(`{"spec":{"displayName":"patched","autoShutdown":{"idleTimeout":"30m"}}}`)
		patched, err := envs.Patch(ctx, "patch", types.MergePatchType, patch, metav1.PatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if patched.Spec.DisplayName != "patched" || patched.Spec.AutoShutdown.IdleTimeout.Duration != 30*time.Minute ||
			len(patched.Spec.Blueprint.Services) != 2 {
			t.Fatalf("merge patch result: %+v", patched.Spec)
		}
		bad := []byte(`{"spec":{"blueprint":{"services":[{"name":"x"}]}}}`)
		if _, err := envs.Patch(ctx, "patch", types.MergePatchType, bad, metav1.PatchOptions{}); !apierrors.IsInvalid(err) {
			t.Fatalf("patch to an invalid blueprint: want 422, got %v", err)
		}
	})

	t.Run("server-side apply merges services by name", func(t *testing.T) {
		apply := applystax.Environment("applied", ns).WithSpec(applystax.EnvironmentSpec().
			WithDisplayName("applied").
			WithBlueprint(applystax.Blueprint().WithServices(
				applystax.ServiceSpec().WithName("db").WithImage("postgres:16"),
			)))
		first, err := envs.Apply(ctx, apply, metav1.ApplyOptions{FieldManager: "alice", Force: true})
		if err != nil {
			t.Fatal(err)
		}
		// A second manager adds its own service; the list is a map keyed
		// by name, so alice's service stays.
		bob := applystax.Environment("applied", ns).WithSpec(applystax.EnvironmentSpec().
			WithBlueprint(applystax.Blueprint().WithServices(
				applystax.ServiceSpec().WithName("cache").WithImage("redis:7"),
			)))
		second, err := envs.Apply(ctx, bob, metav1.ApplyOptions{FieldManager: "bob"})
		if err != nil {
			t.Fatal(err)
		}
		if names := serviceNames(second); names != "db,cache" {
			t.Fatalf("after two managers applied: services %s", names)
		}
		if second.Generation != first.Generation+1 {
			t.Fatalf("generation %d after %d", second.Generation, first.Generation)
		}
		managers := map[string]bool{}
		for _, mf := range second.ManagedFields {
			managers[mf.Manager] = true
		}
		if !managers["alice"] || !managers["bob"] {
			t.Fatalf("managed fields: %v", managers)
		}
		// Bob taking alice's displayName without force is a conflict.
		steal := applystax.Environment("applied", ns).WithSpec(applystax.EnvironmentSpec().WithDisplayName("bob's"))
		if _, err := envs.Apply(ctx, steal, metav1.ApplyOptions{FieldManager: "bob"}); !apierrors.IsConflict(err) {
			t.Fatalf("apply of another manager's field: want 409, got %v", err)
		}
		// Status is not a spec writer's to apply.
		withStatus := applystax.Environment("applied", ns).WithStatus(applystax.EnvironmentStatus().WithPhase(staxv1.EnvironmentReady))
		got, err := envs.Apply(ctx, withStatus, metav1.ApplyOptions{FieldManager: "carol", Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.Phase != staxv1.EnvironmentPending {
			t.Fatalf("status applied through the main resource: %q", got.Status.Phase)
		}
	})

	t.Run("watch from a resourceVersion", func(t *testing.T) {
		e, err := envs.Create(ctx, newEnvironment("watched", nil), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		from := e.ResourceVersion
		e.Spec.DisplayName = "first change"
		e1, err := envs.Update(ctx, e, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := envs.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=watched", ResourceVersion: from})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		if err := envs.Delete(ctx, "watched", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		want := []watch.EventType{watch.Modified, watch.Deleted}
		for i, typ := range want {
			select {
			case ev := <-w.ResultChan():
				got := ev.Object.(*staxv1.Environment)
				if ev.Type != typ {
					t.Fatalf("event %d: %s, want %s", i, ev.Type, typ)
				}
				if i == 0 && got.ResourceVersion != e1.ResourceVersion {
					t.Fatalf("first event at %s, want the update at %s", got.ResourceVersion, e1.ResourceVersion)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("no %s event", typ)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		if _, err := envs.Create(ctx, newEnvironment("deleted", nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := envs.Delete(ctx, "deleted", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := envs.Get(ctx, "deleted", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("get after delete: %v", err)
		}
		if err := envs.Delete(ctx, "deleted", metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("second delete: want 404, got %v", err)
		}
	})

	t.Run("organizations are namespaces", func(t *testing.T) {
		other := s.Client.StaxV1alpha1().Environments("globex")
		list, err := other.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 0 {
			t.Fatalf("globex sees %d environments of acme", len(list.Items))
		}
		if _, err := other.Get(ctx, "create", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("acme's environment read from globex: %v", err)
		}
	})

	t.Run("health, readiness and metrics", func(t *testing.T) {
		rc := s.Client.Discovery().RESTClient()
		for _, path := range []string{"/healthz", "/livez", "/readyz"} {
			body, err := rc.Get().AbsPath(path).DoRaw(ctx)
			if err != nil || string(body) != "ok" {
				t.Errorf("%s: %q %v", path, body, err)
			}
		}
		metrics, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
		if err != nil || !strings.Contains(string(metrics), `apiserver_request_total{`) {
			t.Errorf("/metrics: %v", err)
		}
		for _, path := range []string{"/openapi/v2", "/openapi/v3/apis/stax.microstax.ai/v1alpha1"} {
			body, err := rc.Get().AbsPath(path).SetHeader("Accept", "application/json").DoRaw(ctx)
			if err != nil || !strings.Contains(string(body), "ai.microstax.stax.v1alpha1.Environment") {
				t.Errorf("%s does not describe Environment: %v", path, err)
			}
		}
	})
}

// TestAuditLogOnByDefault checks that a standalone server records changes to
// environments with the shipped policy.
func TestAuditLogOnByDefault(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Environments(ns).Create(ctx, newEnvironment("audited", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		data, err := os.ReadFile(filepath.Join(s.DataDir, "audit.log"))
		if err != nil {
			return false, nil
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, `"verb":"create"`) && strings.Contains(line, `"resource":"environments"`) &&
				strings.Contains(line, `"name":"audited"`) && strings.Contains(line, `"level":"Request"`) &&
				strings.Contains(line, `"username":"stax-admin"`) {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no audit event for the create in %s/audit.log: %v", s.DataDir, err)
	}
}

func itemNames(items []staxv1.Environment) string {
	names := make([]string, len(items))
	for i, e := range items {
		names[i] = e.Name
	}
	return strings.Join(names, ",")
}

func serviceNames(e *staxv1.Environment) string {
	names := make([]string, len(e.Spec.Blueprint.Services))
	for i, s := range e.Spec.Blueprint.Services {
		names[i] = s.Name
	}
	return strings.Join(names, ",")
}
