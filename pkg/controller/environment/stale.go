package environment

import (
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// staleCache remembers, per environment, the resourceVersion a status
// write replaced. Until the informer delivers that write, the lister still
// holds the replaced object, and a sync acting on it would ask the runtime
// again what it has just answered (and then lose its write to a conflict).
// Versions are only compared for equality, as the API asks.
type staleCache struct {
	mu       sync.Mutex
	replaced map[string]string // key → the resourceVersion a write replaced
}

// wrote records that a write turned the version sent into the one
// written. A store that does not move versions (client-go's fake) records
// nothing.
func (s *staleCache) wrote(sent, written *staxv1.Environment) {
	if sent.ResourceVersion == written.ResourceVersion {
		return
	}
	key := cache.MetaObjectToName(sent).String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replaced == nil {
		s.replaced = map[string]string{}
	}
	s.replaced[key] = sent.ResourceVersion
}

// forget drops what is known of a deleted environment.
func (s *staleCache) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.replaced, key)
}

// behind says whether the cached object is one a write already replaced;
// once the cache has moved on, the record is dropped.
func (s *staleCache) behind(cached *staxv1.Environment) bool {
	key := cache.MetaObjectToName(cached).String()
	s.mu.Lock()
	defer s.mu.Unlock()
	rv, ok := s.replaced[key]
	if ok && rv == cached.ResourceVersion {
		return true
	}
	delete(s.replaced, key)
	return false
}

// staleRetry is how soon a sync that met a stale cache looks again; the
// write's own event usually arrives first.
const staleRetry = 100 * time.Millisecond
