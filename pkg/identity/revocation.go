package identity

import (
	"sync"
	"time"
)

// Revoker records withdrawn tokens by jti.
type Revoker interface {
	// Revoke withdraws the token with this jti; expiresAt is the token's
	// exp, after which the entry may be forgotten.
	Revoke(jti string, expiresAt time.Time) error
	// IsRevoked reports whether jti was withdrawn. An error makes the
	// verifier refuse the token (fail closed).
	IsRevoked(jti string) (bool, error)
}

// RevocationGrace keeps entries past the token's exp so a token accepted
// within the verifier's clock leeway is still refused.
const RevocationGrace = 5 * time.Minute

// MemoryRevoker is an in-process Revoker. Entries vanish once the token
// would have expired anyway, so memory is bounded by the number of live
// revoked tokens.
type MemoryRevoker struct {
	mu        sync.Mutex
	now       func() time.Time
	until     map[string]time.Time
	nextSweep time.Time
}

// NewMemoryRevoker returns an empty revoker; now defaults to time.Now.
func NewMemoryRevoker(now func() time.Time) *MemoryRevoker {
	if now == nil {
		now = time.Now
	}
	return &MemoryRevoker{now: now, until: map[string]time.Time{}}
}

// Revoke implements Revoker.
func (m *MemoryRevoker) Revoke(jti string, expiresAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now)
	until := expiresAt.Add(RevocationGrace)
	if until.After(m.until[jti]) {
		m.until[jti] = until
	}
	return nil
}

// IsRevoked implements Revoker.
func (m *MemoryRevoker) IsRevoked(jti string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.until[jti]
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
	for jti, until := range m.until {
		if !now.Before(until) {
			delete(m.until, jti)
		}
	}
	m.nextSweep = now.Add(time.Minute)
}
