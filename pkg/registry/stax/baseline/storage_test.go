package baseline_test

import (
	"context"
	"strings"
	"testing"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/baseline"
	"github.com/microstax/stax/pkg/registry/stax/environment"
)

// stores are the two registries wired as the server wires them.
type stores struct {
	envs      *environment.Storage
	baselines *baseline.Storage
}

func newStores(t *testing.T) stores {
	t.Helper()
	opts := registrytest.RESTOptions(t)
	envs, err := environment.NewStorage(registrytest.Scheme, opts, nil, nil, validation.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(envs.Environment.Store.DestroyFunc)
	baselines, err := baseline.NewStorage(registrytest.Scheme, opts, envs.Environment)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(baselines.Baseline.Store.DestroyFunc)
	envs.Environment.SetBaselines(baselines.Baseline)
	return stores{envs, baselines}
}

var ctx = registrytest.Context("acme", "alice")

func blueprint(image string) stax.Blueprint {
	one := int32(1)
	return stax.Blueprint{Services: []stax.ServiceSpec{{Name: "web", Image: image, Command: []string{"web"}, Replicas: &one,
		Ports: []stax.ServicePort{{Name: "http", Port: 8080, Protocol: stax.ProtocolTCP}}}}}
}

// environmentIn creates an environment and writes its status phase.
func (s stores) environmentIn(t *testing.T, name string, phase stax.EnvironmentPhase, ref string) *stax.Environment {
	t.Helper()
	env := &stax.Environment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme"}, Spec: stax.EnvironmentSpec{Blueprint: blueprint("web:1")}}
	if ref != "" {
		env.Spec.BaselineRef = &stax.BaselineReference{Name: ref}
	}
	obj, err := s.envs.Environment.Create(ctx, env, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env = obj.(*stax.Environment)
	env.Status.Phase, env.Status.ObservedGeneration = phase, env.Generation
	obj, _, err = s.envs.Status.Update(ctx, name, rest.DefaultUpdatedObjectInfo(env), nil, nil, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*stax.Environment)
}

func (s stores) promote(name, env string) (*stax.Baseline, error) {
	b := &stax.Baseline{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme"},
		Spec: stax.BaselineSpec{EnvironmentRef: stax.EnvironmentReference{Name: env}},
		// A client's status is not taken.
		Status: stax.BaselineStatus{Phase: "Sleeping", Overlays: 9, Blueprint: blueprint("forged:0")}}
	obj, err := s.baselines.Baseline.Create(ctx, b, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	return obj.(*stax.Baseline), nil
}

func (s stores) updateEnv(env *stax.Environment, mutate func(*stax.Environment)) error {
	_, _, err := s.envs.Environment.Update(ctx, env.Name, rest.DefaultUpdatedObjectInfo(nil, func(_ context.Context, _, old runtime.Object) (runtime.Object, error) {
		e := old.(*stax.Environment).DeepCopy()
		mutate(e)
		return e, nil
	}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	return err
}

func isConflictNaming(err error, words ...string) bool {
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

func TestPromoteOnlyReady(t *testing.T) {
	s := newStores(t)
	ready := s.environmentIn(t, "shop", stax.EnvironmentReady, "")
	b, err := s.promote("shop-stable", "shop")
	if err != nil {
		t.Fatal(err)
	}
	if !apiequality.Semantic.DeepEqual(b.Status.Blueprint, ready.Spec.Blueprint) || b.Status.Phase != stax.EnvironmentReady || b.Status.Overlays != 0 {
		t.Fatalf("status = %+v, want the environment's blueprint, Ready, 0 overlays", b.Status)
	}
	if len(b.Finalizers) != 1 || b.Finalizers[0] != stax.BaselineFinalizer {
		t.Errorf("finalizers = %v", b.Finalizers)
	}
	for _, phase := range []stax.EnvironmentPhase{stax.EnvironmentPending, stax.EnvironmentStopped} {
		s.environmentIn(t, strings.ToLower(string(phase)), phase, "")
		if _, err := s.promote("bl-"+strings.ToLower(string(phase)), strings.ToLower(string(phase))); !isConflictNaming(err, string(phase)) {
			t.Errorf("promoting a %s environment: want 409 naming the phase, got %v", phase, err)
		}
	}
	if _, err := s.promote("nothing", "missing"); !apierrors.IsInvalid(err) || !registrytest.HasCause(err, "spec.environmentRef.name") {
		t.Errorf("promoting a missing environment: want 422 on spec.environmentRef.name, got %v", err)
	}

	// The spec never changes; a status write keeps the frozen blueprint.
	changed := b.DeepCopy()
	changed.Spec.EnvironmentRef.Name = "other"
	if _, _, err := s.baselines.Baseline.Update(ctx, b.Name, rest.DefaultUpdatedObjectInfo(changed), nil, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("changing spec.environmentRef: want 422, got %v", err)
	}
	status := b.DeepCopy()
	status.Status.Blueprint = blueprint("forged:1")
	status.Status.Overlays = 2
	obj, _, err := s.baselines.Status.Update(ctx, b.Name, rest.DefaultUpdatedObjectInfo(status), nil, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := obj.(*stax.Baseline); got.Status.Overlays != 2 || !apiequality.Semantic.DeepEqual(got.Status.Blueprint, ready.Spec.Blueprint) {
		t.Errorf("after a status write: %+v", got.Status)
	}
}

func TestBaselineHoldsItsEnvironment(t *testing.T) {
	s := newStores(t)
	env := s.environmentIn(t, "shop", stax.EnvironmentReady, "")
	if _, err := s.promote("main", "shop"); err != nil {
		t.Fatal(err)
	}
	// The blueprint is frozen; the rest of the spec is not.
	err := s.updateEnv(env, func(e *stax.Environment) { e.Spec.Blueprint.Services[0].Image = "web:2" })
	if !apierrors.IsInvalid(err) || !registrytest.HasCause(err, "spec.blueprint") || !strings.Contains(err.Error(), "main") {
		t.Fatalf("changing a held blueprint: want 422 on spec.blueprint naming the baseline, got %v", err)
	}
	if err := s.updateEnv(env, func(e *stax.Environment) { e.Spec.DisplayName = "Shop" }); err != nil {
		t.Fatalf("changing the display name: %v", err)
	}

	// Overlays need an existing Baseline.
	overlay := &stax.Environment{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Namespace: "acme"},
		Spec: stax.EnvironmentSpec{Blueprint: blueprint("web:1"), BaselineRef: &stax.BaselineReference{Name: "nope"}}}
	if _, err := s.envs.Environment.Create(ctx, overlay, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); !apierrors.IsInvalid(err) ||
		!registrytest.HasCause(err, "spec.baselineRef.name") {
		t.Fatalf("an overlay of a missing baseline: want 422 on spec.baselineRef.name, got %v", err)
	}
	feature := s.environmentIn(t, "feature", stax.EnvironmentReady, "main")

	// With an overlay: no stop (subresource or patch), no delete of the
	// environment or of the Baseline.
	stop := &stax.EnvironmentAction{}
	if _, err := s.envs.Stop.Create(ctx, "shop", stop, nil, &metav1.CreateOptions{}); !isConflictNaming(err, "feature", "main") {
		t.Errorf("stop: want 409 listing the overlay, got %v", err)
	}
	if err := s.updateEnv(env, func(e *stax.Environment) { e.Spec.Paused = true }); !isConflictNaming(err, "feature") {
		t.Errorf("paused patch: want 409 listing the overlay, got %v", err)
	}
	if _, _, err := s.envs.Environment.Delete(ctx, "shop", nil, &metav1.DeleteOptions{}); !isConflictNaming(err, "feature") {
		t.Errorf("delete environment: want 409 listing the overlay, got %v", err)
	}
	only := &metainternalversion.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", "shop")}
	if _, err := s.envs.Environment.DeleteCollection(ctx, nil, &metav1.DeleteOptions{}, only); !isConflictNaming(err, "feature") {
		t.Errorf("delete all environments: want 409 listing the overlay, got %v", err)
	}
	if _, _, err := s.baselines.Baseline.Delete(ctx, "main", nil, &metav1.DeleteOptions{}); !isConflictNaming(err, "feature") {
		t.Errorf("delete baseline: want 409 listing the overlay, got %v", err)
	}

	// Without it: the Baseline's deletion begins (its finalizer is the
	// controller's), which releases the blueprint; a new overlay of it is
	// refused.
	if _, _, err := s.envs.Environment.Delete(ctx, feature.Name, nil, &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, _, err := s.baselines.Baseline.Delete(ctx, "main", nil, &metav1.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if obj.(*stax.Baseline).DeletionTimestamp == nil {
		t.Fatalf("the baseline's deletion did not begin: %+v", obj.(*stax.Baseline).ObjectMeta)
	}
	late := overlay.DeepCopy()
	late.Name, late.Spec.BaselineRef.Name = "late", "main"
	if _, err := s.envs.Environment.Create(ctx, late, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); !apierrors.IsInvalid(err) ||
		!strings.Contains(err.Error(), "being deleted") {
		t.Errorf("an overlay of a baseline being deleted: want 422, got %v", err)
	}
	if err := s.updateEnv(env, func(e *stax.Environment) { e.Spec.Blueprint.Services[0].Image = "web:2" }); err != nil {
		t.Errorf("the blueprint of a released environment: %v", err)
	}
	if _, err := s.envs.Stop.Create(ctx, "shop", stop, nil, &metav1.CreateOptions{}); err != nil {
		t.Errorf("stop once released: %v", err)
	}
}

func TestFieldSelectorsMatchFieldLabelConversion(t *testing.T) {
	s := newStores(t)
	registrytest.CheckFieldSelectors(t, s.baselines.Baseline.Store, v1alpha1.SchemeGroupVersion.WithKind("Baseline"))
}

func TestTable(t *testing.T) {
	s := newStores(t)
	s.environmentIn(t, "shop", stax.EnvironmentReady, "")
	b, err := s.promote("main", "shop")
	if err != nil {
		t.Fatal(err)
	}
	table, err := s.baselines.Baseline.ConvertToTable(ctx, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range table.ColumnDefinitions {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "Name,Environment,Phase,Overlays,Age" {
		t.Errorf("columns %s", got)
	}
	if cells := table.Rows[0].Cells; cells[0] != "main" || cells[1] != "shop" || cells[2] != "Ready" || cells[3] != int64(0) {
		t.Errorf("cells %v", cells)
	}
}
