package organization

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/table"
)

// REST is the etcd-backed store of organizations.
type REST struct {
	*genericregistry.Store
}

var _ rest.ShortNamesProvider = &REST{}
var _ rest.CategoriesProvider = &REST{}

// ShortNames lets kubectl say "org".
func (*REST) ShortNames() []string { return []string{"org"} }

// Categories puts organizations in "kubectl get stax".
func (*REST) Categories() []string { return []string{"stax"} }

// NewREST builds the store of organizations.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (*REST, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &stax.Organization{} },
		NewListFunc:               func() runtime.Object { return &stax.OrganizationList{} },
		PredicateFunc:             Match,
		DefaultQualifiedResource:  stax.Resource("organizations"),
		SingularQualifiedResource: stax.Resource("organization"),
		CreateStrategy:            strategy,
		UpdateStrategy:            strategy,
		DeleteStrategy:            strategy,
		TableConvertor:            tableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

var tableConvertor = table.Convertor[*stax.Organization]{
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Organization id; also the namespace of its environments."},
		{Name: "Tier", Type: "string", Description: "standard or enterprise."},
		{Name: "Requests/Min", Type: "integer", Description: "Control-plane request quota."},
		{Name: "Display Name", Type: "string", Description: "Human-friendly name."},
		{Name: "Age", Type: "string", Description: "Time since creation."},
	},
	Cells: func(o *stax.Organization) []interface{} {
		return []interface{}{o.Name, string(o.Spec.Tier), int64(stax.RequestsPerMinute(o.Spec.Tier, o.Spec.RequestsPerMinute)), o.Spec.DisplayName,
			duration.HumanDuration(metav1.Now().Sub(o.CreationTimestamp.Time))}
	},
}
