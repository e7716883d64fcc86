package organization

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
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
		TableConvertor:            tableConvertor{},
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

type tableConvertor struct{}

var columns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Organization id; also the namespace of its environments."},
	{Name: "Tier", Type: "string", Description: "standard or enterprise."},
	{Name: "Requests/Min", Type: "integer", Description: "Control-plane request quota."},
	{Name: "Display Name", Type: "string", Description: "Human-friendly name."},
	{Name: "Age", Type: "string", Description: "Time since creation."},
}

func (tableConvertor) ConvertToTable(ctx context.Context, obj runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{}
	if opt, ok := tableOptions.(*metav1.TableOptions); !ok || !opt.NoHeaders {
		table.ColumnDefinitions = columns
	}
	if m, err := meta.ListAccessor(obj); err == nil {
		table.ResourceVersion, table.Continue, table.RemainingItemCount = m.GetResourceVersion(), m.GetContinue(), m.GetRemainingItemCount()
	}
	var orgs []stax.Organization
	switch t := obj.(type) {
	case *stax.Organization:
		orgs = []stax.Organization{*t}
	case *stax.OrganizationList:
		orgs = t.Items
	default:
		return nil, fmt.Errorf("cannot print %T as a table", obj)
	}
	for i := range orgs {
		o := &orgs[i]
		table.Rows = append(table.Rows, metav1.TableRow{
			Object: runtime.RawExtension{Object: o},
			Cells: []interface{}{o.Name, string(o.Spec.Tier), int64(RequestsPerMinute(o)), o.Spec.DisplayName,
				duration.HumanDuration(metav1.Now().Sub(o.CreationTimestamp.Time))},
		})
	}
	return table, nil
}

// RequestsPerMinute is the quota an organization's tier gives it.
func RequestsPerMinute(o *stax.Organization) int32 {
	if o.Spec.Tier == stax.TierEnterprise && o.Spec.RequestsPerMinute != nil {
		return *o.Spec.RequestsPerMinute
	}
	return stax.StandardRequestsPerMinute
}
