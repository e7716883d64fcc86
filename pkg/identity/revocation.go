package identity

import (
	"sync"
	"time"
)

// Revoker records withdrawn tokens. A revocation names a token by its
// organization and its jti: a jti is not secret, so a revocation made by
// one organization must never withdraw another organization's token.
type Revoker interface {
	// Revoke withdraws the token of org with this jti until expiresAt (the
	// token's exp) plus RevocationGrace, replacing any earlier entry for it.
	Revoke(org, jti string, expiresAt time.Time) error
	// Unrevoke forgets the entry for the token of org with this jti.
	Unrevoke(org, jti string) error
	// IsRevoked reports whether the token of org with this jti was
	// withdrawn. An error makes the verifier refuse the token (fail closed).
	IsRevoked(org, jti string) (bool, error)
}

// RevocationGrace keeps entries past the token's exp so a token accepted
// within the verifier's clock leeway is still refused.
const RevocationGrace = 5 * time.Minute

// revokedToken is the key of a revocation.
type revokedToken struct{ org, jti string }

// MemoryRevoker is an in-process Revoker. Entries vanish once the token
// would have expired anyway, so memory is bounded by the number of live
// revoked tokens.
type MemoryRevoker struct {
	mu        sync.Mutex
	now       func() time.Time
	until     map[revokedToken]time.Time
	nextSweep time.Time
}

// NewMemoryRevoker returns an empty revoker; now defaults to time.Now.
func NewMemoryRevoker(now func() time.Time) *MemoryRevoker {
	if now == nil {
		now = time.Now
	}
	return &MemoryRevoker{now: now, until: map[revokedToken]time.Time{}}
}

// Revoke implements Revoker.
func (m *MemoryRevoker) Revoke(org, jti string, expiresAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(m.now())
	m.until[revokedToken{org, jti}] = expiresAt.Add(RevocationGrace)
	return nil
}

// Unrevoke implements Revoker.
func (m *MemoryRevoker) Unrevoke(org, jti string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.until, revokedToken{org, jti})
	return nil
}

// IsRevoked implements Revoker.
func (m *MemoryRevoker) IsRevoked(org, jti string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.until[revokedToken{org, jti}]
	return ok && m.now().Before(until), nil
}

// Len reports the number of entries currently held.
func (m *MemoryRevoker) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(m.now())
	return len(m.until)
}

// sweep drops expired entries, at most once a minute so Revoke stays cheap.
func (m *MemoryRevoker) sweep(now time.Time) {
	if now.Before(m.nextSweep) {
		return
	}
	for k, until := range m.until {
		if !now.Before(until) {
			delete(m.until, k)
		}
	}
	m.nextSweep = now.Add(time.Minute)
}
