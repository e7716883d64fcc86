package environment

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
)

// REST is the etcd-backed store of environments.
type REST struct {
	*genericregistry.Store
	// Quota, when set, refuses creates and updates past the organization's
	// quota (quota.go).
	Quota QuotaChecker
	// bases, once SetBaselines is called, enforces what Baselines hold of
	// their environments (baselines.go); the strategy shares it to validate
	// overlays against their baselines (overlays.go).
	bases *overlayBases
}

// SetBaselines connects the baselines store, built after this one since
// each reads the other.
func (r *REST) SetBaselines(b Baselines) { r.bases.baselines = b }

var _ rest.ShortNamesProvider = &REST{}
var _ rest.CategoriesProvider = &REST{}

// ShortNames lets kubectl say "env".
func (*REST) ShortNames() []string { return []string{"env"} }

// Categories puts environments in "kubectl get stax".
func (*REST) Categories() []string { return []string{"stax"} }

// StatusREST serves the status subresource on the same store.
type StatusREST struct {
	store *genericregistry.Store
}

// Storage is every REST endpoint of the environments resource; each
// subresource is its own small type.
type Storage struct {
	Environment *REST
	Status      *StatusREST
	Stop        *PauseREST
	Resume      *PauseREST
	Log         *LogREST
	// Logs is the former name of Log, kept as an alias that warns.
	Logs *LogsREST
	// Diagnose answers, never stores, a Diagnosis (diagnose.go).
	Diagnose *DiagnoseREST
	// Shadow writes spec.shadow, and only it (shadow.go).
	Shadow *ShadowREST
	// Diffs answers the overlay's EnvironmentDiff, filtered (diffs.go).
	Diffs *DiffsREST
}

// NewStorage builds the store of environments on the given storage options.
// logs may be nil when the server runs no environments.
// shutdown closes when the server begins to stop, which ends log followers.
// limits bound blueprints; zero fields take validation.DefaultLimits.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, logs LogSource, shutdown <-chan struct{}, limits validation.Limits) (*Storage, error) {
	strategy := NewStrategy(scheme, limits)
	bases := strategy.bases
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &stax.Environment{} },
		NewListFunc:               func() runtime.Object { return &stax.EnvironmentList{} },
		PredicateFunc:             Match,
		DefaultQualifiedResource:  stax.Resource("environments"),
		SingularQualifiedResource: stax.Resource("environment"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: tableConvertor,
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return nil, err
	}

	statusStore := *store
	status := NewStatusStrategy(strategy)
	statusStore.UpdateStrategy = status
	statusStore.ResetFieldsStrategy = status

	log := &LogREST{store: store, source: logs, shutdown: shutdown}
	env := &REST{Store: store, bases: bases}
	var source DiagnoseSource
	if ds, ok := logs.(DiagnoseSource); ok {
		source = ds
	}
	return &Storage{
		Environment: env,
		Status:      &StatusREST{store: &statusStore},
		Stop:        &PauseREST{store: store, paused: true, guard: env.guardUpdate},
		Resume:      &PauseREST{store: store, paused: false, guard: env.guardUpdate},
		Log:         log,
		Logs:        &LogsREST{log},
		Diagnose:    &DiagnoseREST{env: env, status: &statusStore, source: source, now: time.Now},
		Shadow:      newShadowREST(store, strategy, time.Now),
		Diffs:       &DiffsREST{store: store},
	}, nil
}

// New returns an empty Environment.
func (r *StatusREST) New() runtime.Object { return &stax.Environment{} }

// Destroy is a no-op: the main store owns the storage.
func (r *StatusREST) Destroy() {}

// Get reads the whole Environment.
func (r *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update writes the status only; the status strategy keeps the spec.
func (r *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	// Status updates never create: pass false whatever the caller asked.
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

// GetResetFields names the fields a status write may not set.
func (r *StatusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

// ConvertToTable prints the Environment as a table.
func (r *StatusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}
