// Package baseline is the storage of the baselines resource: promotions of
// Ready environments that overlays branch from. Its REST reads the
// environments store at create (the environment must be Ready; its
// blueprint is frozen into status) and refuses to delete a Baseline that
// overlays depend on.
package baseline

import (
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
)

// strategy governs writes to the main resource. The spec never changes;
// status is the server's: REST.Create fills it from the environment and
// the status subresource's strategy keeps the frozen blueprint.
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

func newStrategy(typer runtime.ObjectTyper) strategy {
	return strategy{typer, names.SimpleNameGenerator}
}

func (strategy) NamespaceScoped() bool { return true }

func (strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"stax.microstax.ai/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// PrepareForCreate adds the finalizer that keeps the Baseline while
// overlays name it. Status is left as REST.Create set it (a client's own
// status never reaches here: REST.Create replaces it).
func (strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	b := obj.(*stax.Baseline)
	b.Generation = 1
	if !slices.Contains(b.Finalizers, stax.BaselineFinalizer) {
		b.Finalizers = append(b.Finalizers, stax.BaselineFinalizer)
	}
}

// PrepareForUpdate keeps the stored status.
func (strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	obj.(*stax.Baseline).Status = old.(*stax.Baseline).Status
}

func (strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateBaseline(obj.(*stax.Baseline))
}

func (strategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

func (strategy) AllowCreateOnUpdate(ctx context.Context) bool { return false }

func (strategy) AllowUnconditionalUpdate(ctx context.Context) bool { return true }

func (strategy) Canonicalize(obj runtime.Object) {}

func (strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateBaselineUpdate(obj.(*stax.Baseline), old.(*stax.Baseline))
}

func (strategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string { return nil }

// statusStrategy governs baselines/status, written by the baseline
// controller: phase and overlays change; the spec, the metadata a user
// owns and the frozen blueprint stay as stored.
type statusStrategy struct {
	strategy
}

func (statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"stax.microstax.ai/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("spec"),
			fieldpath.MakePathOrDie("status", "blueprint"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
		),
	}
}

func (statusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	b, oldB := obj.(*stax.Baseline), old.(*stax.Baseline)
	b.Spec = oldB.Spec
	b.Status.Blueprint = oldB.Status.Blueprint
	b.Labels = oldB.Labels
	b.Annotations = oldB.Annotations
	b.Finalizers = oldB.Finalizers
	b.OwnerReferences = oldB.OwnerReferences
	b.Generation = oldB.Generation
}

func (statusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateBaselineStatusUpdate(obj.(*stax.Baseline), old.(*stax.Baseline))
}

// GetAttrs gives the labels and selectable fields of a Baseline; keep in
// step with the field label conversions registered in v1alpha1.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	b, ok := obj.(*stax.Baseline)
	if !ok {
		return nil, nil, fmt.Errorf("not a Baseline: %T", obj)
	}
	return labels.Set(b.Labels), generic.AddObjectMetaFieldsSet(fields.Set{
		"spec.environmentRef.name": b.Spec.EnvironmentRef.Name,
	}, &b.ObjectMeta, true), nil
}

func match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
