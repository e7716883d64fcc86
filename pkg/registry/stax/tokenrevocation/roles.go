package tokenrevocation

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/auth"
)

// Create lets a member of an organization revoke its own token only; an
// admin of the organization revokes anyone's. Callers without one of our
// tokens (certificates, delegated users) are left to the authorizer.
func (r *REST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	return r.Store.Create(ctx, obj, withRoleCheck(createValidation), options)
}

// Delete applies the same rule to deleting a revocation, which brings its
// token back: a member may not un-revoke a token an admin revoked.
func (r *REST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	return r.Store.Delete(ctx, name, withRoleCheck(deleteValidation), options)
}

// DeleteCollection checks each revocation it deletes.
func (r *REST) DeleteCollection(ctx context.Context, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions, listOptions *metainternalversion.ListOptions) (runtime.Object, error) {
	return r.Store.DeleteCollection(ctx, withRoleCheck(deleteValidation), options, listOptions)
}

func withRoleCheck(next rest.ValidateObjectFunc) rest.ValidateObjectFunc {
	return func(ctx context.Context, obj runtime.Object) error {
		if err := mayRevoke(ctx, obj.(*stax.TokenRevocation)); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		return next(ctx, obj)
	}
}

func mayRevoke(ctx context.Context, rev *stax.TokenRevocation) error {
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return apierrors.NewForbidden(stax.Resource("tokenrevocations"), rev.Name, fmt.Errorf("no user"))
	}
	caller, err := auth.ParentTokenOf(u)
	if err != nil {
		return apierrors.NewForbidden(stax.Resource("tokenrevocations"), rev.Name, err)
	}
	if caller == nil || caller.ID == rev.Spec.TokenID || auth.IsOrganizationAdmin(u, rev.Namespace) {
		return nil
	}
	return apierrors.NewForbidden(stax.Resource("tokenrevocations"), rev.Name,
		fmt.Errorf("a member of organization %q revokes only its own token; another's takes an admin (%s)",
			rev.Namespace, auth.OrganizationAdminClaim))
}
