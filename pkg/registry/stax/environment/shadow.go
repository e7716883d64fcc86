package environment

import (
	"context"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/microstax/stax/pkg/apis/stax"
)

// ShadowREST serves GET, PUT and PATCH of environments/shadow: the one way
// to write spec.shadow, as pods/resize is for a pod's resources. The
// answer is the Environment. Its validation is the Environment's (an
// overlay only, the services it changes, unsafe methods with allowUnsafe:
// validation/shadow.go); the main resource and its status keep spec.shadow
// as stored.
type ShadowREST struct {
	store *genericregistry.Store
}

var (
	_ rest.Patcher             = &ShadowREST{}
	_ rest.ResetFieldsStrategy = shadowStrategy{}
)

func newShadowREST(store *genericregistry.Store, s environmentStrategy, now func() time.Time) *ShadowREST {
	shadowStore := *store
	strategy := shadowStrategy{environmentStrategy: s, now: now}
	shadowStore.UpdateStrategy = strategy
	shadowStore.ResetFieldsStrategy = strategy
	return &ShadowREST{store: &shadowStore}
}

// New returns an empty Environment.
func (r *ShadowREST) New() runtime.Object { return &stax.Environment{} }

// Destroy is a no-op: the main store owns the storage.
func (r *ShadowREST) Destroy() {}

// Get reads the whole Environment.
func (r *ShadowREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update writes spec.shadow only; it never creates.
func (r *ShadowREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

// GetResetFields names the fields a write here may not set.
func (r *ShadowREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

// ConvertToTable prints the Environment as a table.
func (r *ShadowREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}

// shadowStrategy keeps everything of the Environment but spec.shadow as
// stored, and stamps spec.shadow.since when mirroring is turned on.
type shadowStrategy struct {
	environmentStrategy
	now func() time.Time
}

// GetResetFields: everything but spec.shadow.
func (shadowStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"stax.microstax.ai/v1alpha1": fieldpath.NewSet(
			fieldpath.MakePathOrDie("status"),
			fieldpath.MakePathOrDie("metadata", "labels"),
			fieldpath.MakePathOrDie("metadata", "annotations"),
			fieldpath.MakePathOrDie("spec", "displayName"),
			fieldpath.MakePathOrDie("spec", "blueprint"),
			fieldpath.MakePathOrDie("spec", "autoShutdown"),
			fieldpath.MakePathOrDie("spec", "baselineRef"),
			fieldpath.MakePathOrDie("spec", "paused"),
		),
	}
}

func (s shadowStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	newEnv, oldEnv := obj.(*stax.Environment), old.(*stax.Environment)
	shadow, managed := newEnv.Spec.Shadow, newEnv.ManagedFields
	*newEnv = *oldEnv.DeepCopy()
	newEnv.ManagedFields = managed
	newEnv.Spec.Shadow = shadow
	was := oldEnv.Spec.Shadow
	switch {
	case shadow == nil:
	case !shadow.Enabled:
		shadow.Since = nil
	case was != nil && was.Enabled && was.Since != nil:
		shadow.Since = was.Since.DeepCopy()
	default:
		since := metav1.NewTime(s.now().Truncate(time.Second))
		shadow.Since = &since
	}
	if !apiequality.Semantic.DeepEqual(shadow, was) {
		newEnv.Generation = oldEnv.Generation + 1
	}
}
