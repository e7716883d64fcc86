package apiserver

import (
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/client-go/tools/cache"

	"github.com/microstax/stax/pkg/apis/stax"
	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	informers "github.com/microstax/stax/pkg/generated/informers/externalversions/stax/v1alpha1"
	listers "github.com/microstax/stax/pkg/generated/listers/stax/v1alpha1"
	"github.com/microstax/stax/pkg/quota"
)

// What the request path needs of Organizations, read from the informer so
// that it costs no read of storage.

// quotaIndex answers from the informer whether an organization may set a
// quota (quota.Index), and learns of this server's own writes of
// Organizations through the store's hooks.
func quotaIndex(informer informers.OrganizationInformer, store *genericregistry.Store) (*quota.Index, error) {
	orgs := informer.Lister()
	index := quota.NewIndex(func(org string) (bool, string, bool) {
		o, err := orgs.Get(org)
		if err != nil {
			return false, "", false
		}
		return o.Spec.Quota != nil, o.ResourceVersion, true
	}, informer.Informer().HasSynced)
	settle := func(obj interface{}) {
		if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tombstone.Obj
		}
		if o, ok := obj.(*staxv1.Organization); ok {
			index.Settle(o.Name, o.ResourceVersion)
		}
	}
	if _, err := informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    settle,
		UpdateFunc: func(_, obj interface{}) { settle(obj) },
		DeleteFunc: settle,
	}); err != nil {
		return nil, err
	}
	store.AfterCreate = index.AfterCreate
	store.AfterUpdate = index.AfterUpdate
	return index, nil
}

// requestsPerMinute is each organization's request quota
// (stax.RequestsPerMinute) from the Organizations informer, so a tier
// change applies at the next request; an organization not known (yet) has
// the standard tier's.
func requestsPerMinute(orgs listers.OrganizationLister) func(org string) int {
	return func(org string) int {
		o, err := orgs.Get(org)
		if err != nil {
			return int(stax.RequestsPerMinute("", nil))
		}
		return int(stax.RequestsPerMinute(stax.OrganizationTier(o.Spec.Tier), o.Spec.RequestsPerMinute))
	}
}
