package organization

import (
	"context"
	"fmt"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/auth"
)

// Update refuses a change of the platform's fields by anyone but a platform
// principal: the organization-scope authorizer lets an organization's admins
// update their Organization, and this keeps its tier, request rate and quota
// with the platform. The check runs where admission's would, after the
// strategy has defaulted and validated the new object.
func (r *REST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	check := func(ctx context.Context, obj, old runtime.Object) error {
		if err := platformFieldsUnchanged(ctx, obj.(*stax.Organization), old.(*stax.Organization)); err != nil {
			return err
		}
		if err := adminFieldsByAdmins(ctx, obj.(*stax.Organization), old.(*stax.Organization)); err != nil {
			return err
		}
		if updateValidation == nil {
			return nil
		}
		return updateValidation(ctx, obj, old)
	}
	return r.Store.Update(ctx, name, objInfo, createValidation, check, forceAllowCreate, options)
}

func platformFieldsUnchanged(ctx context.Context, org, old *stax.Organization) error {
	u, ok := genericapirequest.UserFrom(ctx)
	if ok && auth.IsPlatformPrincipal(u) {
		return nil
	}
	var changed []string
	if org.Spec.Tier != old.Spec.Tier {
		changed = append(changed, "spec.tier")
	}
	if !apiequality.Semantic.DeepEqual(org.Spec.RequestsPerMinute, old.Spec.RequestsPerMinute) {
		changed = append(changed, "spec.requestsPerMinute")
	}
	if !apiequality.Semantic.DeepEqual(org.Spec.Quota, old.Spec.Quota) {
		changed = append(changed, "spec.quota")
	}
	if len(changed) == 0 {
		return nil
	}
	return apierrors.NewForbidden(stax.Resource("organizations"), org.Name,
		fmt.Errorf("%s may be changed by platform admins only", strings.Join(changed, ", ")))
}
