package secret

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/auth"
)

// ValuesREST serves GET secrets/values: the Secret with its data, for the
// environment controller. No token user of an organization may read it,
// whatever an authorizer said: the check is here as well as in the
// organization scope, so a mistaken role binding does not open it.
type ValuesREST struct {
	store *genericregistry.Store
}

var _ rest.Getter = &ValuesREST{}

// New returns an empty Secret.
func (r *ValuesREST) New() runtime.Object { return &stax.Secret{} }

// Destroy is a no-op: the main store owns the storage.
func (r *ValuesREST) Destroy() {}

// Get reads the Secret from storage itself, past the store's decorator.
func (r *ValuesREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewForbidden(stax.Resource("secrets/values"), name, fmt.Errorf("no user"))
	}
	if org, scoped := auth.OrganizationOf(u); scoped {
		return nil, apierrors.NewForbidden(stax.Resource("secrets/values"), name,
			fmt.Errorf("a token of organization %q may not read secret values: only the platform does", org))
	}
	key, err := r.store.KeyFunc(ctx, name)
	if err != nil {
		return nil, err
	}
	obj := r.store.NewFunc()
	if err := r.store.Storage.Get(ctx, key, storage.GetOptions{ResourceVersion: options.ResourceVersion}, obj); err != nil {
		if storage.IsNotFound(err) {
			return nil, apierrors.NewNotFound(stax.Resource("secrets"), name)
		}
		return nil, err
	}
	return obj, nil
}
