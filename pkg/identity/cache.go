package identity

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// verifyCache is a bounded LRU of successful verifications keyed by the
// SHA-256 of the token, so repeated presentations of one token skip both
// signature checks. Revocation and key publication are re-checked on hits.
type verifyCache struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	order *list.List // front = most recently used
	items map[[32]byte]*list.Element
}

type cacheEntry struct {
	key   [32]byte
	res   Result
	until time.Time
}

func newVerifyCache(max int, ttl time.Duration) *verifyCache {
	return &verifyCache{max: max, ttl: ttl, order: list.New(), items: make(map[[32]byte]*list.Element, max)}
}

func cacheKey(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// get returns a copy of the cached result if it is still fresh at now.
func (c *verifyCache) get(key [32]byte, now time.Time) (Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return Result{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.until) {
		c.order.Remove(el)
		delete(c.items, key)
		return Result{}, false
	}
	c.order.MoveToFront(el)
	return e.res.clone(), true
}

// put stores res until the earlier of the token's expiry and now+ttl.
func (c *verifyCache) put(key [32]byte, res Result, now time.Time) {
	until := now.Add(c.ttl)
	if res.ExpiresAt.Before(until) {
		until = res.ExpiresAt
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value = &cacheEntry{key: key, res: res.clone(), until: until}
		c.order.MoveToFront(el)
		return
	}
	for c.order.Len() >= c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*cacheEntry).key)
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, res: res.clone(), until: until})
}

func (c *verifyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
