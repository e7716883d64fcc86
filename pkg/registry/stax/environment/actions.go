package environment

import (
	"context"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
)

// PauseREST serves POST environments/stop and environments/resume: each
// sets spec.paused, which the controller converges on, and answers with the
// Environment. Patching spec.paused does the same without the phase checks.
type PauseREST struct {
	store  *genericregistry.Store
	paused bool
}

var _ rest.Connecter = &PauseREST{}

// New returns an empty Environment, the answer's type.
func (r *PauseREST) New() runtime.Object { return &stax.Environment{} }

// Destroy is a no-op: the main store owns the storage.
func (r *PauseREST) Destroy() {}

// ConnectMethods: a POST with no body.
func (r *PauseREST) ConnectMethods() []string { return []string{http.MethodPost} }

// NewConnectOptions: the action takes no options.
func (r *PauseREST) NewConnectOptions() (runtime.Object, bool, string) { return nil, false, "" }

// Connect sets spec.paused if the phase allows it.
func (r *PauseREST) Connect(ctx context.Context, name string, _ runtime.Object, responder rest.Responder) (http.Handler, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		obj, _, err := r.store.Update(ctx, name, rest.DefaultUpdatedObjectInfo(nil,
			func(ctx context.Context, newObj, oldObj runtime.Object) (runtime.Object, error) {
				env := oldObj.(*stax.Environment).DeepCopy()
				if err := r.allowed(env); err != nil {
					return nil, err
				}
				env.Spec.Paused = r.paused
				return env, nil
			}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		if err != nil {
			responder.Error(err)
			return
		}
		responder.Object(http.StatusOK, obj)
	}), nil
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
