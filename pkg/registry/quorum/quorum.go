// Package quorum lists a resource straight from etcd, for the checks one
// write makes of a few objects of another resource (an environment's
// delete reads the baselines made from it).
//
// A store's own consistent list comes from its watch cache once the cache
// has caught up with etcd's latest revision. Writes of another resource
// move that revision on without an event for this cache, so it catches up
// only at a progress notification: the cache requests one at once for a
// reader if it requested none in the last 100 ms, and every 100 ms after.
// So checks that follow one another quickly, as a collection's deletes
// do, each waited up to 100 ms: deleting a collection of 1,000
// environments took over a minute. A quorum read costs one etcd range
// instead, of the whole namespace's objects of the resource, decoded here
// and then selected: so it suits a resource of few objects per namespace.
package quorum

import (
	"context"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/storage"
	storeerr "k8s.io/apiserver/pkg/storage/errors"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
)

// Lister lists one resource from etcd, bypassing its watch cache.
type Lister struct {
	storage storage.Interface
	destroy factory.DestroyFunc
	store   *genericregistry.Store
}

// NewLister reads what store stores (completed with optsGetter: a
// namespaced store) through an etcd client of its own; Destroy closes it.
func NewLister(store *genericregistry.Store, optsGetter generic.RESTOptionsGetter) (*Lister, error) {
	opts, err := optsGetter.GetRESTOptions(store.DefaultQualifiedResource, store.NewFunc())
	if err != nil {
		return nil, err
	}
	// The store's key root, outside any namespace, is the resource's
	// prefix as the store completed it.
	prefix := store.KeyRootFunc(context.Background())
	s, destroy, err := generic.NewRawStorage(opts.StorageConfig, store.NewFunc, store.NewListFunc, prefix)
	if err != nil {
		return nil, err
	}
	return &Lister{storage: s, destroy: destroy, store: store}, nil
}

// List is the objects of the request's namespace that field selects, as
// of etcd's latest revision.
func (l *Lister) List(ctx context.Context, field fields.Selector) (runtime.Object, error) {
	list := l.store.NewListFunc()
	opts := storage.ListOptions{Recursive: true, Predicate: l.store.PredicateFunc(labels.Everything(), field)}
	if err := l.storage.GetList(ctx, l.store.KeyRootFunc(ctx), opts, list); err != nil {
		return nil, storeerr.InterpretListError(err, l.store.DefaultQualifiedResource)
	}
	return list, nil
}

// Destroy closes the etcd client.
func (l *Lister) Destroy() { l.destroy() }
