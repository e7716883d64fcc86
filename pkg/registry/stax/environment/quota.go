package environment

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
)

// QuotaChecker enforces an organization's quota (quota.Enforcer).
type QuotaChecker interface {
	// Lock serializes the checks and writes of an organization with a
	// quota; Check is needed only when limited.
	Lock(ctx context.Context, org string) (unlock func(), limited bool)
	// Check refuses env (replacing old; nil on create) with 403 when it
	// takes the organization past its quota.
	Check(ctx context.Context, env, old *stax.Environment) error
}

// Create checks the quota where a validating admission plugin would: after
// defaulting and validation, holding the organization's lock until the
// object is stored, so a concurrent create sees this one.
func (r *REST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	if r.Quota == nil {
		return r.Store.Create(ctx, obj, createValidation, options)
	}
	unlock, limited := r.lock(ctx)
	defer unlock()
	if !limited {
		return r.Store.Create(ctx, obj, createValidation, options)
	}
	return r.Store.Create(ctx, obj, r.checkCreate(createValidation), options)
}

// Update checks the quota of the new spec (and of a create by apply).
func (r *REST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	updateValidation = r.withGuard(updateValidation)
	if r.Quota == nil {
		return r.Store.Update(ctx, name, objInfo, createValidation, updateValidation, forceAllowCreate, options)
	}
	unlock, limited := r.lock(ctx)
	defer unlock()
	if !limited {
		return r.Store.Update(ctx, name, objInfo, createValidation, updateValidation, forceAllowCreate, options)
	}
	check := func(ctx context.Context, obj, old runtime.Object) error {
		if err := r.Quota.Check(ctx, obj.(*stax.Environment), old.(*stax.Environment)); err != nil {
			return err
		}
		if updateValidation == nil {
			return nil
		}
		return updateValidation(ctx, obj, old)
	}
	return r.Store.Update(ctx, name, objInfo, r.checkCreate(createValidation), check, forceAllowCreate, options)
}

func (r *REST) lock(ctx context.Context) (unlock func(), limited bool) {
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	return r.Quota.Lock(ctx, ns)
}

func (r *REST) checkCreate(next rest.ValidateObjectFunc) rest.ValidateObjectFunc {
	return func(ctx context.Context, obj runtime.Object) error {
		if err := r.Quota.Check(ctx, obj.(*stax.Environment), nil); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		return next(ctx, obj)
	}
}
