package baseline

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/quorum"
)

// Environments is what the baselines REST reads of the environments store
// (environment.REST): consistent reads of the request's namespace, and
// the create that overlays go through.
type Environments interface {
	EnvironmentCreater
	Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error)
	// OverlaysOf names the Environments whose spec.baselineRef names the
	// baseline.
	OverlaysOf(ctx context.Context, baseline string) ([]string, error)
}

// REST is the etcd-backed store of baselines.
type REST struct {
	*genericregistry.Store
	envs Environments
	// quorum lists baselines for the environments' checks, from etcd.
	quorum *quorum.Lister
}

// Destroy closes the store and the checks' lister.
func (r *REST) Destroy() {
	r.Store.Destroy()
	r.quorum.Destroy()
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// ShortNames lets kubectl say "bl".
func (*REST) ShortNames() []string { return []string{"bl"} }

// Categories puts baselines in "kubectl get stax".
func (*REST) Categories() []string { return []string{"stax"} }

// StatusREST serves baselines/status on the same store.
type StatusREST struct {
	store *genericregistry.Store
}

// Storage is every REST endpoint of the baselines resource.
type Storage struct {
	Baseline *REST
	Status   *StatusREST
	Overlays *OverlaysREST
}

// NewStorage builds the store of baselines; envs is the environments
// store that promotions read.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, envs Environments) (*Storage, error) {
	s := newStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &stax.Baseline{} },
		NewListFunc:               func() runtime.Object { return &stax.BaselineList{} },
		PredicateFunc:             match,
		DefaultQualifiedResource:  stax.Resource("baselines"),
		SingularQualifiedResource: stax.Resource("baseline"),

		CreateStrategy:      s,
		UpdateStrategy:      s,
		DeleteStrategy:      s,
		ResetFieldsStrategy: s,

		TableConvertor: tableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, err
	}
	lister, err := quorum.NewLister(store, optsGetter)
	if err != nil {
		return nil, err
	}
	statusStore := *store
	status := statusStrategy{s}
	statusStore.UpdateStrategy = status
	statusStore.ResetFieldsStrategy = status
	return &Storage{
		Baseline: &REST{Store: store, envs: envs, quorum: lister},
		Status:   &StatusREST{store: &statusStore},
		Overlays: &OverlaysREST{baselines: store, envs: envs, scheme: scheme},
	}, nil
}

// Create promotes the environment: it must be Ready (else 409 naming its
// phase), read consistently from the environments store, and its blueprint
// becomes the Baseline's frozen status.blueprint.
func (r *REST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	b := obj.(*stax.Baseline)
	b.Status = stax.BaselineStatus{}
	if ref := b.Spec.EnvironmentRef.Name; ref != "" {
		envObj, err := r.envs.Get(ctx, ref, &metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, apierrors.NewInvalid(stax.Kind("Baseline"), b.Name, field.ErrorList{
				field.NotFound(field.NewPath("spec", "environmentRef", "name"), ref)})
		}
		if err != nil {
			return nil, err
		}
		env := envObj.(*stax.Environment)
		if err := promotable(env); err != nil {
			return nil, apierrors.NewConflict(stax.Resource("baselines"), b.Name, err)
		}
		b.Status = stax.BaselineStatus{Blueprint: *env.Spec.Blueprint.DeepCopy(), Phase: env.Status.Phase}
	}
	// An empty reference is refused by the strategy's validation.
	return r.Store.Create(ctx, b, createValidation, options)
}

// promotable says why env cannot be promoted, or nil: only a Ready
// environment whose latest spec is the one running.
func promotable(env *stax.Environment) error {
	switch {
	case env.DeletionTimestamp != nil:
		return fmt.Errorf("cannot promote environment %s: it is being deleted", env.Name)
	case env.Status.Phase != stax.EnvironmentReady:
		phase := env.Status.Phase
		if phase == "" {
			phase = stax.EnvironmentPending
		}
		return fmt.Errorf("cannot promote environment %s: its phase is %s, not Ready", env.Name, phase)
	case env.Status.ObservedGeneration != env.Generation:
		return fmt.Errorf("cannot promote environment %s: its latest spec (generation %d) is not provisioned yet", env.Name, env.Generation)
	}
	return nil
}

// MadeFrom lists the Baselines of the request's namespace promoted from
// the environment (environment.Baselines), read from etcd (package quorum
// says why not from the watch cache).
func (r *REST) MadeFrom(ctx context.Context, env string) ([]stax.Baseline, error) {
	obj, err := r.quorum.List(ctx, fields.OneTermEqualSelector("spec.environmentRef.name", env))
	if err != nil {
		return nil, err
	}
	return obj.(*stax.BaselineList).Items, nil
}

// Delete refuses, with 409 listing them, to delete a Baseline overlays
// depend on. One without overlays is released at once: it holds its
// environment's blueprint no more, and its finalizer goes when the
// controller has checked again that nothing names it.
func (r *REST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	return r.Store.Delete(ctx, name, r.withDeleteGuard(deleteValidation), options)
}

// DeleteCollection applies the same refusal to each Baseline.
func (r *REST) DeleteCollection(ctx context.Context, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions, listOptions *metainternalversion.ListOptions) (runtime.Object, error) {
	return r.Store.DeleteCollection(ctx, r.withDeleteGuard(deleteValidation), options, listOptions)
}

func (r *REST) withDeleteGuard(next rest.ValidateObjectFunc) rest.ValidateObjectFunc {
	return func(ctx context.Context, obj runtime.Object) error {
		b := obj.(*stax.Baseline)
		if b.DeletionTimestamp == nil {
			overlays, err := r.envs.OverlaysOf(ctx, b.Name)
			if err != nil {
				return err
			}
			if len(overlays) > 0 {
				return apierrors.NewConflict(stax.Resource("baselines"), b.Name,
					fmt.Errorf("cannot delete: overlays depend on it (%s)", strings.Join(overlays, ", ")))
			}
		}
		if next == nil {
			return nil
		}
		return next(ctx, obj)
	}
}

// New returns an empty Baseline.
func (r *StatusREST) New() runtime.Object { return &stax.Baseline{} }

// Destroy is a no-op: the main store owns the storage.
func (r *StatusREST) Destroy() {}

// Get reads the whole Baseline.
func (r *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update writes the status only; the frozen blueprint stays.
func (r *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

// GetResetFields names the fields a status write may not set.
func (r *StatusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

// ConvertToTable prints the Baseline as a table.
func (r *StatusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}
