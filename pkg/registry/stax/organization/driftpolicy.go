package organization

import (
	"context"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/auth"
)

// DriftPolicyREST serves organizations/driftpolicy: the one way to write
// spec.driftPolicy, as pods/resize is for a pod's resources. Only the
// organization's admins and the platform may.
type DriftPolicyREST struct {
	store *genericregistry.Store
}

var _ rest.Patcher = &DriftPolicyREST{}

// NewDriftPolicyREST serves the subresource on the Organizations' store.
func NewDriftPolicyREST(orgs *REST) *DriftPolicyREST {
	store := *orgs.Store
	store.UpdateStrategy = driftPolicyStrategy{NewStrategy(orgs.Store.UpdateStrategy.(runtime.ObjectTyper))}
	return &DriftPolicyREST{store: &store}
}

// New returns an empty Organization.
func (r *DriftPolicyREST) New() runtime.Object { return &stax.Organization{} }

// Destroy is a no-op: the main store owns the storage.
func (r *DriftPolicyREST) Destroy() {}

// Get reads the whole Organization.
func (r *DriftPolicyREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update writes spec.driftPolicy only, for an admin of the organization
// or the platform.
func (r *DriftPolicyREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	u, _ := genericapirequest.UserFrom(ctx)
	if !auth.IsPlatformPrincipal(u) && !auth.IsOrganizationAdmin(u, name) {
		return nil, false, apierrors.NewForbidden(stax.Resource("organizations/driftpolicy"), name,
			fmt.Errorf("the drift policy may be changed by the organization's admins only"))
	}
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

// driftPolicyStrategy keeps everything of the Organization but
// spec.driftPolicy as stored.
type driftPolicyStrategy struct {
	organizationStrategy
}

func (driftPolicyStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	newOrg, oldOrg := obj.(*stax.Organization), old.(*stax.Organization)
	policy := newOrg.Spec.DriftPolicy
	*newOrg = *oldOrg.DeepCopy()
	newOrg.Spec.DriftPolicy = policy
	if !apiequality.Semantic.DeepEqual(policy, oldOrg.Spec.DriftPolicy) {
		newOrg.Generation = oldOrg.Generation + 1
	}
}

func (driftPolicyStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	org, oldOrg := obj.(*stax.Organization), old.(*stax.Organization)
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&org.ObjectMeta, &oldOrg.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, validation.ValidateDriftPolicy(org.Spec.DriftPolicy, field.NewPath("spec", "driftPolicy"))...)
}

// dropDriftPolicy keeps spec.driftPolicy out of a create: it is written
// through the subresource only.
func dropDriftPolicy(org *stax.Organization) { org.Spec.DriftPolicy = nil }

// keepDriftPolicy keeps a write of the Organization itself from changing
// spec.driftPolicy.
func keepDriftPolicy(org, old *stax.Organization) {
	org.Spec.DriftPolicy = old.Spec.DriftPolicy.DeepCopy()
}
