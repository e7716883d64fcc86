// Package environment is the storage of the environments resource: its
// create/update/status strategies, field selectors, table and REST store.
package environment

import (
	"context"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
)

// environmentStrategy governs writes to the main resource: the spec and
// metadata. Status written here is ignored; it belongs to statusStrategy.
type environmentStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	// limits bound blueprints (the --max-* flags). An organization's quota
	// would choose per-namespace Limits here.
	limits validation.Limits
	// bases finds an overlay's baseline blueprint (overlays.go).
	bases *overlayBases
}

// NewStrategy returns the strategy for creates, updates and deletes, which
// bounds blueprints by limits (zero fields: validation.DefaultLimits).
func NewStrategy(typer runtime.ObjectTyper, limits validation.Limits) environmentStrategy {
	return environmentStrategy{typer, names.SimpleNameGenerator, limits.WithDefaults(), &overlayBases{}}
}

func (environmentStrategy) NamespaceScoped() bool { return true }

// GetResetFields names the fields a write to the main resource may not set.
func (environmentStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"stax.microstax.ai/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status"), fieldpath.MakePathOrDie("spec", "shadow")),
	}
}

// PrepareForCreate starts every environment Pending at generation 1, without
// shadow settings, and records its creator; a client cannot claim another
// creator.
func (environmentStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	env := obj.(*stax.Environment)
	env.Status = stax.EnvironmentStatus{Phase: stax.EnvironmentPending}
	env.Generation = 1
	env.Spec.Shadow = nil // written through environments/shadow only (shadow.go)
	delete(env.Annotations, stax.AnnotationCreatedBy)
	if u, ok := genericapirequest.UserFrom(ctx); ok {
		if env.Annotations == nil {
			env.Annotations = map[string]string{}
		}
		env.Annotations[stax.AnnotationCreatedBy] = u.GetName()
	}
}

// PrepareForUpdate keeps the stored status and shadow settings and bumps
// the generation when, and only when, the spec changed.
func (environmentStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	newEnv, oldEnv := obj.(*stax.Environment), old.(*stax.Environment)
	newEnv.Status = oldEnv.Status
	newEnv.Spec.Shadow = oldEnv.Spec.Shadow.DeepCopy() // environments/shadow's
	keepCreator(newEnv, oldEnv)
	if !apiequality.Semantic.DeepEqual(newEnv.Spec, oldEnv.Spec) {
		newEnv.Generation = oldEnv.Generation + 1
	}
}

// keepCreator makes the created-by annotation unchangeable.
func keepCreator(newEnv, oldEnv *stax.Environment) {
	creator, had := oldEnv.Annotations[stax.AnnotationCreatedBy]
	switch {
	case had:
		if newEnv.Annotations == nil {
			newEnv.Annotations = map[string]string{}
		}
		newEnv.Annotations[stax.AnnotationCreatedBy] = creator
	default:
		delete(newEnv.Annotations, stax.AnnotationCreatedBy)
	}
}

// Validate checks a new environment; an overlay against the union with its
// baseline, which must exist and not be going away.
func (s environmentStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	env := obj.(*stax.Environment)
	base, errs := s.bases.forCreate(ctx, env)
	if len(errs) > 0 {
		return errs
	}
	return validation.ValidateEnvironment(env, base, s.limits)
}

func (environmentStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return nil
}

func (environmentStrategy) AllowCreateOnUpdate(ctx context.Context) bool { return false }

func (environmentStrategy) AllowUnconditionalUpdate(ctx context.Context) bool { return true }

func (environmentStrategy) Canonicalize(obj runtime.Object) {}

// ValidateUpdate ratchets the bounds: an environment stored under higher
// limits stays updatable (finalizers, labels, a smaller blueprint) as long
// as the change does not grow what is over a bound.
func (s environmentStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	env := obj.(*stax.Environment)
	base, errs := s.bases.forUpdate(ctx, env)
	if len(errs) > 0 {
		return errs
	}
	return validation.ValidateEnvironmentUpdate(env, old.(*stax.Environment), base, s.limits)
}

func (environmentStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// statusStrategy governs writes through the status subresource: only status
// changes; spec and the metadata a user owns stay as stored.
type statusStrategy struct {
	environmentStrategy
}

// NewStatusStrategy returns the strategy of the status subresource.
func NewStatusStrategy(s environmentStrategy) statusStrategy {
	return statusStrategy{s}
}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"stax.microstax.ai/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

func (statusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	newEnv, oldEnv := obj.(*stax.Environment), old.(*stax.Environment)
	newEnv.Spec = oldEnv.Spec
	newEnv.Labels = oldEnv.Labels
	newEnv.Annotations = oldEnv.Annotations
	newEnv.Finalizers = oldEnv.Finalizers
	newEnv.OwnerReferences = oldEnv.OwnerReferences
	newEnv.Generation = oldEnv.Generation
}

func (statusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateEnvironmentStatusUpdate(obj.(*stax.Environment), old.(*stax.Environment))
}

func (statusStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs gives the labels and selectable fields of an Environment.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	env, ok := obj.(*stax.Environment)
	if !ok {
		return nil, nil, fmt.Errorf("not an Environment: %T", obj)
	}
	return labels.Set(env.Labels), SelectableFields(env), nil
}

// SelectableFields are the fields a field selector may name. Keep in step
// with the field label conversions registered in v1alpha1.
func SelectableFields(env *stax.Environment) fields.Set {
	baseline := ""
	if env.Spec.BaselineRef != nil {
		baseline = env.Spec.BaselineRef.Name
	}
	return generic.AddObjectMetaFieldsSet(fields.Set{
		"status.phase":          string(env.Status.Phase),
		"spec.baselineRef.name": baseline,
	}, &env.ObjectMeta, true)
}

// Match is the selection predicate used for lists and watches.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
