package quota

import (
	"context"
	"hash/fnv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
)

// Enforcer checks environment writes against their organization's quota.
//
// Race safety: the registry holds Lock(org) from before the check until the
// write is stored, and the check reads the Organization and the
// Environments with consistent (quorum) reads, so on one server two writes
// to one organization cannot both pass on the same usage. Servers do not
// share the lock: with several replicas, concurrent writes through
// different replicas can pass together and overshoot by their sum (the
// same class of race Kubernetes closes with a compare-and-swap on the
// ResourceQuota's status, which MicroStax does not keep).
//
// Organizations without a quota pay (almost) nothing: limited (Index)
// tells them apart from the server's informer before any lock, so their
// writes read no Organization, neither queue behind each other nor list the
// namespace. Only before the informer has synced is the Organization read
// from storage on every write.
type Enforcer struct {
	organizations rest.Getter
	environments  rest.Lister
	limited       func(org string) (limited, known bool)
	stripes       [64]sync.Mutex
}

// NewEnforcer reads organizations and environments from their stores;
// limited says whether an organization may set a quota, when it knows
// (Index.Limited; nil: ask storage every time).
func NewEnforcer(organizations rest.Getter, environments rest.Lister, limited func(org string) (limited, known bool)) *Enforcer {
	return &Enforcer{organizations: organizations, environments: environments, limited: limited}
}

// Lock serializes the quota checks and writes of an organization that sets
// a quota; call unlock once the write is done, and Check only if limited.
// Organizations share a fixed set of locks, so the set never grows.
func (e *Enforcer) Lock(ctx context.Context, org string) (unlock func(), limited bool) {
	if !e.mayBeLimited(ctx, org) {
		return func() {}, false
	}
	h := fnv.New32a()
	h.Write([]byte(org))
	m := &e.stripes[h.Sum32()%uint32(len(e.stripes))]
	m.Lock()
	return m.Unlock, true
}

// mayBeLimited is false when org certainly sets no quota.
func (e *Enforcer) mayBeLimited(ctx context.Context, org string) bool {
	if e.limited != nil {
		if limited, known := e.limited(org); known {
			return limited
		}
	}
	obj, err := e.organizations.Get(ctx, org, &metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		return true // Check reads it again and reports the error
	}
	return obj.(*stax.Organization).Spec.Quota != nil
}

// Check refuses env with 403 when writing it (over old; nil for a create)
// would take its organization past a cap of spec.quota. An organization
// that does not exist or sets no quota is unlimited.
func (e *Enforcer) Check(ctx context.Context, env, old *stax.Environment) error {
	obj, err := e.organizations.Get(ctx, env.Namespace, &metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	org := obj.(*stax.Organization)
	if org.Spec.Quota == nil {
		return nil
	}
	list, err := e.environments.List(genericapirequest.WithNamespace(ctx, env.Namespace), &metainternalversion.ListOptions{})
	if err != nil {
		return err
	}
	var used Usage
	items := list.(*stax.EnvironmentList).Items
	for i := range items {
		// The environment being written counts as requested, not as used.
		if items[i].Name != env.Name {
			used = used.Add(UsageOf(&items[i]))
		}
	}
	requested := UsageOf(env)
	var before *Usage
	if old != nil {
		u := UsageOf(old)
		before = &u
	}
	if err := Exceeded(org.Name, org.Spec.Quota, used, requested, Grows(before, requested)); err != nil {
		return apierrors.NewForbidden(stax.Resource("environments"), env.Name, err)
	}
	return nil
}
