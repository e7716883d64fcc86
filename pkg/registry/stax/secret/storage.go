// Package secret stores Secrets, whose data is write-only: the store's
// decorator takes the values out of every answer (get, list, watch, and the
// answers of create, update and delete), which then list the keys only.
// ValuesREST, the secrets/values subresource, is the one way to read them,
// and only the platform may.
package secret

import (
	"context"
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/registry/table"
)

// Storage is the main resource and its values subresource.
type Storage struct {
	Secret *REST
	Values *ValuesREST
}

// REST is the store of Secrets.
type REST struct {
	*genericregistry.Store
}

var _ rest.CategoriesProvider = &REST{}

// Categories puts secrets in "kubectl get stax".
func (*REST) Categories() []string { return []string{"stax"} }

// NewStorage builds the store and its values subresource.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (*Storage, error) {
	s := strategy{scheme, names.SimpleNameGenerator}
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &stax.Secret{} },
		NewListFunc:               func() runtime.Object { return &stax.SecretList{} },
		PredicateFunc:             match,
		DefaultQualifiedResource:  stax.Resource("secrets"),
		SingularQualifiedResource: stax.Resource("secret"),
		CreateStrategy:            s,
		UpdateStrategy:            s,
		DeleteStrategy:            s,
		Decorator:                 hideValues,
		TableConvertor: table.Convertor[*stax.Secret]{
			Columns: []metav1.TableColumnDefinition{
				{Name: "Name", Type: "string", Format: "name"},
				{Name: "Keys", Type: "integer", Description: "How many keys the secret holds."},
				{Name: "Age", Type: "string", Description: "Time since creation."},
			},
			Cells: func(s *stax.Secret) []interface{} {
				return []interface{}{s.Name, len(s.Keys), duration.HumanDuration(metav1.Now().Sub(s.CreationTimestamp.Time))}
			},
		},
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: uncached{optsGetter}, AttrFunc: getAttrs}); err != nil {
		return nil, err
	}
	return &Storage{Secret: &REST{store}, Values: &ValuesREST{store: store}}, nil
}

// hideValues is the store's decorator: it runs on every object the store
// answers with, one or a list, and on every watch event. Keys were set when
// the object was written, so it only drops Data. It assigns the field and
// never changes the map, which a cache may share.
func hideValues(obj runtime.Object) {
	switch o := obj.(type) {
	case *stax.Secret:
		o.Data = nil
	case *stax.SecretList:
		for i := range o.Items {
			o.Items[i].Data = nil
		}
	}
}

// uncached keeps Secrets out of the watch cache: no copy of the values
// stays in the server's memory, and watch events are plain Secrets the
// decorator can clear (the cache hands watchers shared, wrapped objects).
// Every watch is then an etcd watch; Secrets are few and change rarely.
type uncached struct{ generic.RESTOptionsGetter }

func (u uncached) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	opts, err := u.RESTOptionsGetter.GetRESTOptions(resource, example)
	opts.Decorator = generic.UndecoratedStorage
	return opts, err
}

// lastApplied is where client-side kubectl apply copies the whole object,
// values included, into an annotation that every answer would show.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

func (strategy) NamespaceScoped() bool { return true }

func (strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s := obj.(*stax.Secret)
	delete(s.Annotations, lastApplied)
	s.Keys = keysOf(s.Data)
}

// PrepareForUpdate keeps the stored values when the update carries no data
// (a client's get-modify-update, which never saw them); data: {} removes
// every key.
func (strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s, o := obj.(*stax.Secret), old.(*stax.Secret)
	if s.Data == nil {
		s.Data = o.Data
	}
	delete(s.Annotations, lastApplied)
	s.Keys = keysOf(s.Data)
}

func (strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateSecret(obj.(*stax.Secret))
}

func (strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateSecretUpdate(obj.(*stax.Secret), old.(*stax.Secret))
}

func (strategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }
func (strategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}
func (strategy) AllowCreateOnUpdate(ctx context.Context) bool      { return false }
func (strategy) AllowUnconditionalUpdate(ctx context.Context) bool { return true }
func (strategy) Canonicalize(obj runtime.Object)                   {}

// keysOf is the sorted key list every answer shows instead of the values.
func keysOf(data map[string]string) []string {
	if len(data) == 0 {
		return nil
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func getAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	s, ok := obj.(*stax.Secret)
	if !ok {
		return nil, nil, fmt.Errorf("not a Secret: %T", obj)
	}
	return labels.Set(s.Labels), generic.ObjectMetaFieldsSet(&s.ObjectMeta, true), nil
}

func match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: getAttrs}
}
