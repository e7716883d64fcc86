package environment

import (
	"context"
	"fmt"
	"sort"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
)

// Baselines is what the environments REST reads of the baselines store
// (pkg/registry/stax/baseline implements it). Both reads are consistent:
// they come from etcd, never from a cache or an informer that may lag
// behind a Baseline just created.
type Baselines interface {
	// Get reads one Baseline of the request's namespace.
	Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error)
	// MadeFrom lists the Baselines of the request's namespace promoted from
	// the named environment, those being deleted included.
	MadeFrom(ctx context.Context, env string) ([]stax.Baseline, error)
}

// OverlaysOf names the Environments of the request's namespace whose
// spec.baselineRef names baseline, sorted: the one home of what an overlay
// of a baseline is. It is a consistent list from the watch cache, not
// from etcd as the baselines are (package quorum): a namespace may hold
// thousands of environments, which etcd would send and this server decode
// whole for each check, and the cache is current after environment
// writes. After writes of other resources it may wait up to 100 ms when
// checks come quickly one after another (a collection of baselines
// deleted).
func (r *REST) OverlaysOf(ctx context.Context, baseline string) ([]string, error) {
	obj, err := r.Store.List(ctx, &metainternalversion.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.baselineRef.name", baseline)})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, env := range obj.(*stax.EnvironmentList).Items {
		names = append(names, env.Name)
	}
	sort.Strings(names)
	return names, nil
}

// holders lists the Baselines promoted from the environment, those being
// deleted included: overlays may still name one until it is gone.
func (r *REST) holders(ctx context.Context, env string) ([]stax.Baseline, error) {
	if r.bases.baselines == nil {
		return nil, nil
	}
	return r.bases.baselines.MadeFrom(ctx, env)
}

// holding names, sorted, the Baselines that freeze the environment's
// blueprint: those not being deleted (a Baseline's delete releases it).
func (r *REST) holding(ctx context.Context, env string) ([]string, error) {
	baselines, err := r.holders(ctx, env)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, b := range baselines {
		if b.DeletionTimestamp == nil {
			names = append(names, b.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// dependents describes the overlays that depend on the environment through
// its baselines ("main: feat-a, feat-b"), or "" when none does.
func (r *REST) dependents(ctx context.Context, env string) (string, error) {
	baselines, err := r.holders(ctx, env)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, b := range baselines {
		overlays, err := r.OverlaysOf(ctx, b.Name)
		if err != nil {
			return "", err
		}
		if len(overlays) > 0 {
			parts = append(parts, fmt.Sprintf("baseline %s: %s", b.Name, strings.Join(overlays, ", ")))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "; "), nil
}

// refuseIfDepended is the 409 of stopping or deleting an environment that
// overlays depend on: their baseline runs on it.
func (r *REST) refuseIfDepended(ctx context.Context, verb, env string) error {
	deps, err := r.dependents(ctx, env)
	if err != nil || deps == "" {
		return err
	}
	return apierrors.NewConflict(stax.Resource("environments"), env,
		fmt.Errorf("cannot %s: overlays depend on it (%s)", verb, deps))
}

// guardUpdate refuses what a Baseline forbids of an update: changing a
// held blueprint (422 naming the baselines) and stopping an environment
// that overlays depend on (409 listing them). PauseREST calls it too.
func (r *REST) guardUpdate(ctx context.Context, obj, old runtime.Object) error {
	env, oldEnv := obj.(*stax.Environment), old.(*stax.Environment)
	if !apiequality.Semantic.DeepEqual(env.Spec.Blueprint, oldEnv.Spec.Blueprint) {
		names, err := r.holding(ctx, env.Name)
		if err != nil {
			return err
		}
		if len(names) > 0 {
			return apierrors.NewInvalid(stax.Kind("Environment"), env.Name, field.ErrorList{field.Forbidden(
				field.NewPath("spec", "blueprint"), fmt.Sprintf("held by baseline %s: delete the baseline to change it", strings.Join(names, ", ")))})
		}
	}
	if env.Spec.Paused && !oldEnv.Spec.Paused {
		return r.refuseIfDepended(ctx, "stop", env.Name)
	}
	return nil
}

// withGuard runs guardUpdate before the caller's validation.
func (r *REST) withGuard(next rest.ValidateObjectUpdateFunc) rest.ValidateObjectUpdateFunc {
	return func(ctx context.Context, obj, old runtime.Object) error {
		if err := r.guardUpdate(ctx, obj, old); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		return next(ctx, obj, old)
	}
}

// withDeleteGuard refuses to delete an environment overlays depend on.
func (r *REST) withDeleteGuard(next rest.ValidateObjectFunc) rest.ValidateObjectFunc {
	return func(ctx context.Context, obj runtime.Object) error {
		env := obj.(*stax.Environment)
		// A second delete of one being deleted changes nothing: let it be.
		if env.DeletionTimestamp == nil {
			if err := r.refuseIfDepended(ctx, "delete", env.Name); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		return next(ctx, obj)
	}
}

// Delete refuses to delete an environment overlays depend on.
func (r *REST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	return r.Store.Delete(ctx, name, r.withDeleteGuard(deleteValidation), options)
}

// DeleteCollection applies the same refusal to each environment.
func (r *REST) DeleteCollection(ctx context.Context, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions, listOptions *metainternalversion.ListOptions) (runtime.Object, error) {
	return r.Store.DeleteCollection(ctx, r.withDeleteGuard(deleteValidation), options, listOptions)
}
