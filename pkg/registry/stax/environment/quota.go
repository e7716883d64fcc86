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
	// Lock serializes one organization's checks and writes.
	Lock(org string) (unlock func())
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
	defer r.lock(ctx)()
	return r.Store.Create(ctx, obj, r.checkCreate(createValidation), options)
}

// Update checks the quota of the new spec (and of a create by apply).
func (r *REST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	if r.Quota == nil {
		return r.Store.Update(ctx, name, objInfo, createValidation, updateValidation, forceAllowCreate, options)
	}
	defer r.lock(ctx)()
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

func (r *REST) lock(ctx context.Context) (unlock func()) {
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	return r.Quota.Lock(ns)
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
