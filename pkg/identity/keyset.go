package identity

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults for a zero KeySetConfig.
const (
	// DefaultOverlap keeps retired pairs published for one hour, so tokens
	// may live at most that long (minus verifier leeway).
	DefaultOverlap = time.Hour
	// DefaultPublishAhead gives JWKS caches time to pick up a next pair
	// before it signs anything.
	DefaultPublishAhead = 10 * time.Minute
)

// ErrRotateTooEarly is returned by Rotate when the next pair has not been
// published for PublishAhead yet.
var ErrRotateTooEarly = errors.New("identity: next key not yet allowed to sign")

// KeySetConfig tunes a KeySet. Zero values take the defaults above.
type KeySetConfig struct {
	// Overlap is how long a retired pair stays published. It must be at
	// least the longest token lifetime plus the verifiers' leeway.
	Overlap time.Duration
	// PublishAhead is how long a next pair is published before it may sign.
	PublishAhead time.Duration
	// Now is the clock used for JWKS and verification; default time.Now.
	Now func() time.Time
}

func (c KeySetConfig) withDefaults() KeySetConfig {
	if c.Overlap <= 0 {
		c.Overlap = DefaultOverlap
	}
	if c.PublishAhead < 0 {
		c.PublishAhead = 0
	} else if c.PublishAhead == 0 {
		c.PublishAhead = DefaultPublishAhead
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// KeySet holds the current signing pair, the next pair (published ahead of
// use) and retired pairs that still verify during the overlap window.
// It is safe for concurrent use.
type KeySet struct {
	mu       sync.RWMutex
	cfg      KeySetConfig
	dir      string // "" keeps the set in memory only
	current  *KeyPair
	next     *KeyPair
	previous []*KeyPair // newest first
}

// NewKeySet creates an in-memory set with fresh current and next pairs.
func NewKeySet(now time.Time, cfg KeySetConfig) (*KeySet, error) {
	ks := &KeySet{cfg: cfg.withDefaults()}
	cur, err := GenerateKeyPair(now, now)
	if err != nil {
		return nil, err
	}
	next, err := GenerateKeyPair(now, now.Add(ks.cfg.PublishAhead))
	if err != nil {
		return nil, err
	}
	ks.current, ks.next = cur, next
	return ks, nil
}

// OpenKeySet loads the set persisted in dir, or creates and persists a new
// one when dir holds none. Every later Rotate is written back to dir.
func OpenKeySet(dir string, now time.Time, cfg KeySetConfig) (*KeySet, error) {
	ks, err := loadKeySet(dir, cfg.withDefaults())
	if err == nil {
		return ks, nil
	}
	if !errors.Is(err, errNoKeySet) {
		return nil, err
	}
	ks, err = NewKeySet(now, cfg)
	if err != nil {
		return nil, err
	}
	ks.dir = dir
	if err := ks.save(ks.current, ks.next, nil); err != nil {
		return nil, err
	}
	return ks, nil
}

// Rotate promotes next to current, retires current and creates a new next.
// Retired pairs past the overlap window are dropped (and their files
// removed). The in-memory set changes only after persisting succeeded.
func (ks *KeySet) Rotate(now time.Time) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if now.Before(ks.next.notBefore) {
		return ErrRotateTooEarly
	}
	newCur, newNext, prev, dropped, err := ks.rotated(now)
	if err != nil {
		return err
	}
	if ks.dir != "" {
		if err := ks.save(newCur, newNext, prev); err != nil {
			return fmt.Errorf("identity: persist rotation: %w", err)
		}
		ks.removeKeyDirs(dropped)
	}
	ks.current, ks.next, ks.previous = newCur, newNext, prev
	return nil
}

// Current returns the pair that signs new tokens.
func (ks *KeySet) Current() *KeyPair {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return ks.current
}

// Next returns the published pair that becomes current at the next Rotate.
func (ks *KeySet) Next() *KeyPair {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return ks.next
}

// Previous returns the retired pairs still kept, newest first.
func (ks *KeySet) Previous() []*KeyPair {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return append([]*KeyPair(nil), ks.previous...)
}

// Overlap is how long retired pairs stay published; it bounds token lifetime.
func (ks *KeySet) Overlap() time.Duration { return ks.cfg.Overlap }

// LatestExpiry is the latest exp a token of this set can carry at now:
// Issue caps lifetimes at Overlap, and the issuing replica's clock may run up
// to DefaultLeeway ahead of ours. Anything naming a later expiry (a
// revocation, say) names no token we would accept.
func (ks *KeySet) LatestExpiry(now time.Time) time.Time {
	return now.Add(ks.cfg.Overlap + DefaultLeeway)
}

// Published returns the pairs that verify at now: current, next and
// retired pairs within the overlap window.
func (ks *KeySet) Published(now time.Time) []*KeyPair {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	out := []*KeyPair{ks.current, ks.next}
	for _, p := range ks.previous {
		if ks.stillPublished(p, now) {
			out = append(out, p)
		}
	}
	return out
}

// VerificationKey implements KeyResolver for tokens issued from this set.
// A pair verifies only from its NotBefore: the next pair is published early
// for caches, but our Issuer never signs with it before then, so a token it
// signed earlier did not come from us.
func (ks *KeySet) VerificationKey(ecKID string, now time.Time) (VerificationKey, bool) {
	for _, p := range ks.Published(now) {
		if p.ecKID == ecKID && !now.Before(p.notBefore) {
			return VerificationKey{
				ECKID: p.ecKID, EC: p.ECPublicKey(),
				PQKID: p.pqKID, PQ: p.pqPub,
			}, true
		}
	}
	return VerificationKey{}, false
}

func (ks *KeySet) now() time.Time { return ks.cfg.Now() }

func (ks *KeySet) stillPublished(p *KeyPair, now time.Time) bool {
	return now.Before(p.retiredAt.Add(ks.cfg.Overlap))
}
