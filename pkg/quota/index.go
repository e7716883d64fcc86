package quota

import (
	"math"
	"strconv"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/microstax/stax/pkg/apis/stax"
)

// Observed is what the server's Organizations informer holds of org:
// whether it sets spec.quota, at which resourceVersion, if it holds it.
type Observed func(org string) (quota bool, resourceVersion string, found bool)

// Index says whether an organization may set a quota from the server's
// informer, so that a write of an Environment reads no Organization from
// storage unless it may be limited.
//
// The informer trails storage by one watch delivery. Writes through this
// server close that gap for themselves: the Organizations store calls
// AfterCreate and AfterUpdate before it answers, and an organization
// written with a quota counts as limited (so Check reads it from storage)
// until the informer holds that write or a later one. So an Environment
// write that begins after a quota was set through this server always meets
// it. A quota set through another replica reaches this one with its watch,
// milliseconds later, and a write in between passes unchecked: the same
// class of race as the replicas' unshared locks (Enforcer).
type Index struct {
	observed Observed
	synced   func() bool

	mu sync.Mutex
	// pending maps an organization written here with a quota to that
	// write's revision, until the informer reaches it.
	pending map[string]uint64
}

// NewIndex answers from observed once synced says the informer has listed.
func NewIndex(observed Observed, synced func() bool) *Index {
	return &Index{observed: observed, synced: synced, pending: map[string]uint64{}}
}

// Limited says whether org may set a quota; known is false while the
// informer has not synced, and the caller must ask storage.
func (x *Index) Limited(org string) (limited, known bool) {
	if !x.synced() {
		return false, false
	}
	quota, rv, found := x.observed(org)
	if x.waiting(org, rv, found) {
		return true, true
	}
	return found && quota, true
}

// AfterCreate is the Organizations store's hook (genericregistry.Store).
func (x *Index) AfterCreate(obj runtime.Object, options *metav1.CreateOptions) {
	if len(options.DryRun) == 0 {
		x.wrote(obj.(*stax.Organization))
	}
}

// AfterUpdate is the Organizations store's hook (genericregistry.Store).
func (x *Index) AfterUpdate(obj runtime.Object, options *metav1.UpdateOptions) {
	if len(options.DryRun) == 0 {
		x.wrote(obj.(*stax.Organization))
	}
}

// Settle forgets what was written of org at or before resourceVersion, which
// the informer now holds or has seen deleted; its event handlers call it,
// so that an organization deleted before any write of an Environment asked
// after it leaves nothing behind.
func (x *Index) Settle(org, resourceVersion string) {
	x.waiting(org, resourceVersion, true)
}

// wrote marks org as limited until the informer holds its write. Writes
// without a quota need no mark: the informer either knows no quota (right)
// or a stale one (the slow path, still right).
func (x *Index) wrote(org *stax.Organization) {
	if org.Spec.Quota == nil {
		return
	}
	rv, ok := revision(org.ResourceVersion)
	if !ok {
		rv = math.MaxUint64 // not expected of our storage; the mark then stays, costing only reads
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if rv > x.pending[org.Name] {
		x.pending[org.Name] = rv
	}
}

// waiting says whether a write of org through this server is newer than
// what the informer holds (resourceVersion, if found), and forgets the
// write once it is not.
func (x *Index) waiting(org, resourceVersion string, found bool) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	mark, ok := x.pending[org]
	if !ok {
		return false
	}
	if rv, read := revision(resourceVersion); found && read && rv >= mark {
		delete(x.pending, org)
		return false
	}
	return true
}

// revision reads a resourceVersion, which this server's storage writes as
// etcd's revision.
func revision(resourceVersion string) (uint64, bool) {
	rv, err := strconv.ParseUint(resourceVersion, 10, 64)
	return rv, err == nil
}
