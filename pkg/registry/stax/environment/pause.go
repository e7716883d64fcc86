package environment

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
)

// PauseREST serves POST environments/stop and environments/resume, each a
// create of an EnvironmentAction (as pods/eviction is a create of an
// Eviction): admission sees it as such, and the Environment update it makes
// honours the create's dryRun. Each sets spec.paused, which the controller
// converges on, and answers with the Environment. Patching spec.paused does
// the same without the phase checks.
type PauseREST struct {
	store  *genericregistry.Store
	paused bool
	// guard is REST.guardUpdate: a stop is refused while overlays depend
	// on the environment, as a paused patch is.
	guard rest.ValidateObjectUpdateFunc
}

var (
	_ rest.NamedCreater    = &PauseREST{}
	_ rest.StorageMetadata = &PauseREST{}
)

// New returns an empty EnvironmentAction, the request's body.
func (r *PauseREST) New() runtime.Object { return &stax.EnvironmentAction{} }

// Destroy is a no-op: the main store owns the storage.
func (r *PauseREST) Destroy() {}

// ProducesMIMETypes: the default ones.
func (r *PauseREST) ProducesMIMETypes(verb string) []string { return nil }

// ProducesObject: the answer is the Environment, not the action.
func (r *PauseREST) ProducesObject(verb string) interface{} { return v1alpha1.Environment{} }

// Create validates the action, runs the create's admission, then sets
// spec.paused if the phase allows it.
func (r *PauseREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	action, ok := obj.(*stax.EnvironmentAction)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not an EnvironmentAction: %T", obj))
	}
	if errs := validation.ValidateEnvironmentAction(action, name); len(errs) > 0 {
		return nil, apierrors.NewInvalid(stax.Kind("EnvironmentAction"), name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, action.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	if options == nil {
		options = &metav1.CreateOptions{}
	}
	updated, _, err := r.store.Update(ctx, name, rest.DefaultUpdatedObjectInfo(nil,
		func(ctx context.Context, newObj, oldObj runtime.Object) (runtime.Object, error) {
			env := oldObj.(*stax.Environment).DeepCopy()
			if err := r.allowed(env); err != nil {
				return nil, err
			}
			env.Spec.Paused = r.paused
			return env, nil
		}),
		// Admission judged the action above; the Environment's own
		// strategy still validates the update, and the guard what its
		// baselines forbid.
		rest.ValidateAllObjectFunc, r.guard, false,
		&metav1.UpdateOptions{DryRun: options.DryRun})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

// allowed refuses, with 409, what the environment's phase forbids.
func (r *PauseREST) allowed(env *stax.Environment) error {
	verb := "resume"
	if r.paused {
		verb = "stop"
	}
	conflict := func(why string) error {
		return apierrors.NewConflict(stax.Resource("environments"), env.Name, fmt.Errorf("cannot %s: %s", verb, why))
	}
	switch {
	case env.DeletionTimestamp != nil:
		return conflict("the environment is being deleted")
	case r.paused && env.Spec.Paused:
		return conflict(fmt.Sprintf("the environment is already %s", phaseOr(env, "stopping")))
	case !r.paused && !env.Spec.Paused:
		return conflict(fmt.Sprintf("the environment is not stopped (phase %s)", phaseOr(env, "Pending")))
	}
	return nil
}

func phaseOr(env *stax.Environment, def string) string {
	if env.Status.Phase == "" {
		return def
	}
	return string(env.Status.Phase)
}
