package environment_test

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/environment"
)

func int32p(i int32) *int32 { return &i }

// newEnvironment is a valid two-service environment in namespace acme.
func newEnvironment(name string) *stax.Environment {
	return &stax.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme"},
		Spec: stax.EnvironmentSpec{
			DisplayName: "Shop",
			Blueprint: stax.Blueprint{Services: []stax.ServiceSpec{
				{Name: "db", Image: "postgres:16", Replicas: int32p(1)},
				{Name: "api", Image: "api:1", Replicas: int32p(2), DependsOn: []string{"db"}},
			}},
		},
	}
}

func TestStrategyCreate(t *testing.T) {
	s := environment.NewStrategy(registrytest.Scheme, validation.DefaultLimits)
	if !s.NamespaceScoped() {
		t.Errorf("environments must be namespaced (the namespace is the organization)")
	}
	if s.AllowCreateOnUpdate(context.Background()) {
		t.Errorf("an update must not create an environment")
	}

	env := newEnvironment("shop")
	env.Generation = 7
	env.Annotations = map[string]string{stax.AnnotationCreatedBy: "mallory", "keep": "me"}
	env.Status = stax.EnvironmentStatus{Phase: stax.EnvironmentReady, ObservedGeneration: 7, RunningSeconds: 60}
	s.PrepareForCreate(registrytest.Context("acme", "alice"), env)

	if env.Status.Phase != stax.EnvironmentPending || env.Status.ObservedGeneration != 0 || env.Status.RunningSeconds != 0 {
		t.Errorf("create kept the client's status: %+v", env.Status)
	}
	if env.Generation != 1 {
		t.Errorf("generation %d, want 1", env.Generation)
	}
	if got := env.Annotations[stax.AnnotationCreatedBy]; got != "alice" {
		t.Errorf("created-by %q, want the requesting user alice", got)
	}
	if env.Annotations["keep"] != "me" {
		t.Errorf("create dropped the client's other annotations: %v", env.Annotations)
	}
	if env.Spec.DisplayName != "Shop" || len(env.Spec.Blueprint.Services) != 2 {
		t.Errorf("create changed the spec: %+v", env.Spec)
	}

	// Without a user nobody is recorded, and a claimed creator is dropped.
	anon := newEnvironment("anon")
	anon.Annotations = map[string]string{stax.AnnotationCreatedBy: "mallory"}
	s.PrepareForCreate(registrytest.Context("acme", ""), anon)
	if _, ok := anon.Annotations[stax.AnnotationCreatedBy]; ok {
		t.Errorf("created-by %q without a user", anon.Annotations[stax.AnnotationCreatedBy])
	}

	if errs := s.Validate(context.Background(), env); len(errs) != 0 {
		t.Errorf("a valid environment refused: %v", errs)
	}
	bad := newEnvironment("bad")
	bad.Spec.Blueprint.Services[1].DependsOn = []string{"cache"}
	if errs := s.Validate(context.Background(), bad); !registrytest.HasError(errs, "spec.blueprint.services[1].dependsOn[0]", field.ErrorTypeNotFound) {
		t.Errorf("an unknown dependency passed: %v", errs)
	}
}

func TestStrategyUpdate(t *testing.T) {
	s := environment.NewStrategy(registrytest.Scheme, validation.DefaultLimits)
	ctx := registrytest.Context("acme", "bob")
	stored := func() *stax.Environment {
		old := newEnvironment("shop")
		old.ResourceVersion = "10"
		old.Generation = 3
		old.Annotations = map[string]string{stax.AnnotationCreatedBy: "alice"}
		old.Status = stax.EnvironmentStatus{Phase: stax.EnvironmentReady, ObservedGeneration: 3}
		return old
	}

	t.Run("status written to the main resource is ignored", func(t *testing.T) {
		old := stored()
		env := old.DeepCopy()
		env.Status = stax.EnvironmentStatus{Phase: stax.EnvironmentFailed, ObservedGeneration: 9}
		s.PrepareForUpdate(ctx, env, old)
		if env.Status.Phase != stax.EnvironmentReady || env.Status.ObservedGeneration != 3 {
			t.Errorf("status %+v, want the stored one", env.Status)
		}
		if env.Generation != 3 {
			t.Errorf("generation moved to %d without a spec change", env.Generation)
		}
	})

	// rest.BeforeUpdate has already put the stored generation on the new
	// object (the client's value never counts); the strategy moves it.
	t.Run("a spec change moves the generation by one", func(t *testing.T) {
		old := stored()
		env := old.DeepCopy()
		env.Spec.DisplayName = "Shop v2"
		s.PrepareForUpdate(ctx, env, old)
		if env.Generation != 4 {
			t.Errorf("generation %d, want 4", env.Generation)
		}
	})

	t.Run("metadata alone keeps the generation", func(t *testing.T) {
		old := stored()
		env := old.DeepCopy()
		env.Labels = map[string]string{"team": "a"}
		s.PrepareForUpdate(ctx, env, old)
		if env.Generation != 3 {
			t.Errorf("a label change moved the generation to %d", env.Generation)
		}
	})

	t.Run("the creator cannot be changed or removed", func(t *testing.T) {
		old := stored()
		changed := old.DeepCopy()
		changed.Annotations[stax.AnnotationCreatedBy] = "mallory"
		s.PrepareForUpdate(ctx, changed, old)
		if got := changed.Annotations[stax.AnnotationCreatedBy]; got != "alice" {
			t.Errorf("created-by changed to %q", got)
		}
		removed := old.DeepCopy()
		removed.Annotations = nil
		s.PrepareForUpdate(ctx, removed, old)
		if got := removed.Annotations[stax.AnnotationCreatedBy]; got != "alice" {
			t.Errorf("created-by removed: %v", removed.Annotations)
		}
		// Nor can one be added where none was recorded.
		none := stored()
		delete(none.Annotations, stax.AnnotationCreatedBy)
		added := none.DeepCopy()
		added.Annotations[stax.AnnotationCreatedBy] = "mallory"
		s.PrepareForUpdate(ctx, added, none)
		if _, ok := added.Annotations[stax.AnnotationCreatedBy]; ok {
			t.Errorf("created-by added on update")
		}
	})

	t.Run("baselineRef is immutable", func(t *testing.T) {
		old := stored()
		old.Spec.BaselineRef = &stax.BaselineReference{Name: "main"}
		env := old.DeepCopy()
		env.Spec.BaselineRef.Name = "other"
		s.PrepareForUpdate(ctx, env, old)
		if errs := s.ValidateUpdate(ctx, env, old); !registrytest.HasError(errs, "spec.baselineRef", field.ErrorTypeInvalid) {
			t.Errorf("baselineRef change passed: %v", errs)
		}
		same := old.DeepCopy()
		same.Spec.DisplayName = "renamed"
		s.PrepareForUpdate(ctx, same, old)
		if errs := s.ValidateUpdate(ctx, same, old); len(errs) != 0 {
			t.Errorf("a display name change refused: %v", errs)
		}
	})
}

func TestStatusStrategy(t *testing.T) {
	s := environment.NewStatusStrategy(environment.NewStrategy(registrytest.Scheme, validation.DefaultLimits))
	ctx := registrytest.Context("acme", "controller")
	old := newEnvironment("shop")
	old.ResourceVersion = "5"
	old.Generation = 2
	old.Labels = map[string]string{"team": "a"}
	old.Annotations = map[string]string{stax.AnnotationCreatedBy: "alice"}
	old.Finalizers = []string{"stax.microstax.ai/teardown"}
	old.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "x", UID: "u"}}
	old.Status.Phase = stax.EnvironmentProvisioning

	env := old.DeepCopy()
	env.Spec.DisplayName = "changed through status"
	env.Spec.Paused = true
	env.Generation = 9
	env.Labels = map[string]string{"team": "b"}
	env.Annotations = nil
	env.Finalizers = nil
	env.OwnerReferences = nil
	env.Status = stax.EnvironmentStatus{Phase: stax.EnvironmentReady, ObservedGeneration: 2}
	s.PrepareForUpdate(ctx, env, old)

	if env.Status.Phase != stax.EnvironmentReady || env.Status.ObservedGeneration != 2 {
		t.Errorf("status write lost the status: %+v", env.Status)
	}
	if env.Spec.DisplayName != "Shop" || env.Spec.Paused {
		t.Errorf("status write changed the spec: %+v", env.Spec)
	}
	if env.Generation != 2 {
		t.Errorf("status write moved the generation to %d", env.Generation)
	}
	if env.Labels["team"] != "a" || env.Annotations[stax.AnnotationCreatedBy] != "alice" ||
		len(env.Finalizers) != 1 || len(env.OwnerReferences) != 1 {
		t.Errorf("status write changed metadata: labels %v annotations %v finalizers %v owners %v",
			env.Labels, env.Annotations, env.Finalizers, env.OwnerReferences)
	}
	if errs := s.ValidateUpdate(ctx, env, old); len(errs) != 0 {
		t.Errorf("a valid status refused: %v", errs)
	}
	bad := old.DeepCopy()
	bad.Status.Phase = "Sleeping"
	s.PrepareForUpdate(ctx, bad, old)
	if errs := s.ValidateUpdate(ctx, bad, old); !registrytest.HasError(errs, "status.phase", field.ErrorTypeNotSupported) {
		t.Errorf("an unknown phase passed: %v", errs)
	}
}

func TestResetFields(t *testing.T) {
	main := environment.NewStrategy(registrytest.Scheme, validation.DefaultLimits)
	status := environment.NewStatusStrategy(main)
	v1 := fieldpath.APIVersion("stax.microstax.ai/v1alpha1")
	if set := main.GetResetFields()[v1]; set == nil || !set.Has(fieldpath.MakePathOrDie("status")) || set.Has(fieldpath.MakePathOrDie("spec")) {
		t.Errorf("main resource resets %v, want status only", set)
	}
	set := status.GetResetFields()[v1]
	for _, p := range []fieldpath.Path{fieldpath.MakePathOrDie("spec"), fieldpath.MakePathOrDie("metadata", "labels"), fieldpath.MakePathOrDie("metadata", "annotations")} {
		if set == nil || !set.Has(p) {
			t.Errorf("status subresource does not reset %s: %v", p, set)
		}
	}
	if set != nil && set.Has(fieldpath.MakePathOrDie("status")) {
		t.Errorf("status subresource resets status")
	}
}
