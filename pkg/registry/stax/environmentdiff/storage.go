// Package environmentdiff stores the behavioural diffs of overlays: one
// EnvironmentDiff per overlay, named as the overlay and owned by it,
// written by the mirroring fronts (pkg/diffpublish) and read through
// environments/diffs.
package environmentdiff

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
)

// Environments is what the store reads of the environments store: the
// overlay a diff belongs to, read consistently.
type Environments interface {
	Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error)
}

// REST is the etcd-backed store of EnvironmentDiffs. Every create and
// update names an existing overlay, not being deleted, and makes it the
// diff's owner: so a diff never outlives its overlay for long (the
// environment controller deletes it at teardown, and in aggregated mode
// kube-controller-manager's garbage collector would too), nor is taken
// over by a later overlay of the same name. A write that names an
// Environment owner is one for that overlay only: if the overlay of the
// name now has another uid, the write is refused (409), as a uid
// precondition would be, so a front of a deleted overlay cannot write
// into its successor's diff.
type REST struct {
	*genericregistry.Store
	envs Environments
}

var _ rest.CategoriesProvider = &REST{}

// Categories puts diffs in "kubectl get stax".
func (*REST) Categories() []string { return []string{"stax"} }

// NewREST builds the store; envs reads the overlays.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, envs Environments) (*REST, error) {
	s := strategy{scheme, names.SimpleNameGenerator}
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &stax.EnvironmentDiff{} },
		NewListFunc:               func() runtime.Object { return &stax.EnvironmentDiffList{} },
		DefaultQualifiedResource:  stax.Resource("environmentdiffs"),
		SingularQualifiedResource: stax.Resource("environmentdiff"),
		CreateStrategy:            s,
		UpdateStrategy:            s,
		DeleteStrategy:            s,
		TableConvertor:            tableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, err
	}
	return &REST{Store: store, envs: envs}, nil
}

// Create stores the diff of an existing overlay, owned by it.
func (r *REST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	d := obj.(*stax.EnvironmentDiff)
	owner, err := r.overlay(ctx, d.Name)
	if err != nil {
		return nil, err
	}
	if err := own(d, owner); err != nil {
		return nil, err
	}
	return r.Store.Create(ctx, d, createValidation, options)
}

// Update rewrites the diff while its overlay exists, owned by it. It
// never creates: a create must name the overlay too.
func (r *REST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	owner, err := r.overlay(ctx, name)
	if err != nil {
		return nil, false, err
	}
	transform := func(ctx context.Context, newObj, oldObj runtime.Object) (runtime.Object, error) {
		return newObj, own(newObj.(*stax.EnvironmentDiff), owner)
	}
	return r.Store.Update(ctx, name, rest.WrapUpdatedObjectInfo(objInfo, transform), createValidation, updateValidation, false, options)
}

// own makes owner the diff's one owner, unless the diff names another
// Environment as its owner: then it was written for an earlier overlay of
// the name (or read from its diff, and written back), and is refused
// (409). A writer that means to replace an earlier overlay's diff sends
// no owner, or the current one.
func own(d *stax.EnvironmentDiff, owner metav1.OwnerReference) error {
	for _, o := range d.OwnerReferences {
		gv, err := schema.ParseGroupVersion(o.APIVersion)
		if err == nil && gv.Group == stax.GroupName && o.Kind == owner.Kind && o.UID != owner.UID {
			return apierrors.NewConflict(stax.Resource("environmentdiffs"), d.Name,
				fmt.Errorf("written for overlay uid %s, but the overlay %s now is uid %s", o.UID, owner.Name, owner.UID))
		}
	}
	d.OwnerReferences = []metav1.OwnerReference{owner}
	return nil
}

// overlay is the owner reference of the overlay named name, or why a diff
// of it is refused: none (422), not an overlay (422), being deleted (409).
func (r *REST) overlay(ctx context.Context, name string) (metav1.OwnerReference, error) {
	namePath := field.NewPath("metadata", "name")
	invalid := func(e *field.Error) error {
		return apierrors.NewInvalid(stax.Kind("EnvironmentDiff"), name, field.ErrorList{e})
	}
	obj, err := r.envs.Get(ctx, name, &metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		e := field.NotFound(namePath, name)
		e.Detail = "no environment of this name: an EnvironmentDiff is named as its overlay"
		return metav1.OwnerReference{}, invalid(e)
	case err != nil:
		return metav1.OwnerReference{}, err
	}
	env := obj.(*stax.Environment)
	switch {
	case env.Spec.BaselineRef == nil:
		return metav1.OwnerReference{}, invalid(field.Invalid(namePath, name, "environment "+name+" is not an overlay: only an overlay has diffs"))
	case env.DeletionTimestamp != nil:
		return metav1.OwnerReference{}, apierrors.NewConflict(stax.Resource("environmentdiffs"), name, fmt.Errorf("the overlay is being deleted"))
	}
	return metav1.OwnerReference{
		APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "Environment", Name: env.Name, UID: env.UID,
	}, nil
}

// strategy validates diffs against their bounds.
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

func (strategy) NamespaceScoped() bool { return true }

func (strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {}

func (strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {}

func (strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateEnvironmentDiff(obj.(*stax.EnvironmentDiff))
}

func (strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateEnvironmentDiffUpdate(obj.(*stax.EnvironmentDiff), old.(*stax.EnvironmentDiff))
}

func (strategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

func (strategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string { return nil }

func (strategy) AllowCreateOnUpdate(ctx context.Context) bool { return false }

func (strategy) AllowUnconditionalUpdate(ctx context.Context) bool { return true }

func (strategy) Canonicalize(obj runtime.Object) {}
