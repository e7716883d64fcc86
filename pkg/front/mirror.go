package front

import (
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microstax/stax/pkg/diff"
)

// Mirroring (docs/shadow.md, "Mirroring"): the baseline's version
// (primary) answers the caller as before; a sample of the requests it
// answers is copied, once it has answered, to a second instance of the
// same version (secondary, the noise reference) and to an overlay's
// version (candidate), and the three answers go to a sink as one
// diff.Exchange. Fire and forget, as Envoy's request mirroring: the caller
// never waits on a copy, and what happens to a copy is only counted.

// HeaderShadow marks a mirrored copy with the overlay it is for. A front
// never mirrors a request carrying it, and services propagate it
// (PropagatedHeaders), so neither copies nor the requests services make
// while serving them are mirrored again.
const HeaderShadow = "X-Stax-Shadow"

// DefaultMirrorMethods are mirrored when a Mirror lists none.
var DefaultMirrorMethods = []string{http.MethodGet, http.MethodHead, http.MethodOptions}

// SafeMethod says whether method is safe (RFC 9110, 9.2.1): it asks for
// nothing to change. Any other method is mirrored only with AllowUnsafe,
// since a mirrored write reaches whatever the candidate shares with the
// baseline, its database first.
func SafeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// Mirror is one overlay's mirroring of a front's default route.
type Mirror struct {
	// Percent of the eligible requests that are mirrored, 0 to 100: exactly
	// Percent of every hundred, in arrival order, so a test can count them.
	Percent int
	// Methods mirrored; empty: DefaultMirrorMethods.
	Methods []string
	// AllowUnsafe lets an unsafe method of Methods be mirrored; without it
	// such a request is not mirrored and is counted (Stats.Unsafe).
	AllowUnsafe bool
	// Secondary and Candidate are where the copies go.
	Secondary, Candidate Backends
	// Sink receives every finished exchange, from a worker of the front:
	// it must not block for long (a slow sink only drops copies).
	Sink func(diff.Exchange)
	// MaxRequests, if above zero, stops mirroring after that many sampled
	// requests; Until, if set, at that time.
	MaxRequests int64
	Until       time.Time
	// Organization labels the metrics (an overlay's name is unique only
	// within its organization).
	Organization string

	overlay string // the table key, for copies and metrics

	seen, limited  atomic.Int64
	nextSecondary  atomic.Uint64
	nextCandidate  atomic.Uint64
	stats          mirrorCounters
	methodsAllowed []string
}

// MirrorStats are what happened to a Mirror's requests.
type MirrorStats struct {
	// Sampled requests: each is mirrored or dropped (QueueFull ...), unless
	// the front closed first.
	Sampled int64
	// Mirrored exchanges handed to the sink.
	Mirrored int64
	// Sampled requests not mirrored: the queue was full, the request body
	// was over the bound (or the primary did not read it whole), the
	// primary failed (the caller got the front's 502).
	QueueFull, BodyTooLarge, BodyUnread, PrimaryFailed int64
	// Copies that timed out, or failed otherwise (refused, reset, no
	// ready replica), by target.
	SecondaryTimedOut, CandidateTimedOut int64
	SecondaryFailed, CandidateFailed     int64
	// Unsafe requests not mirrored for want of AllowUnsafe.
	Unsafe int64
}

// Stats reads the counters.
func (m *Mirror) Stats() MirrorStats {
	c := func(e mirrorEvent, target int) int64 { return m.stats[e][target].Load() }
	return MirrorStats{
		Sampled: c(sampled, 0), Mirrored: c(mirrored, 0), QueueFull: c(droppedQueueFull, 0), BodyTooLarge: c(droppedBodyTooLarge, 0),
		BodyUnread: c(droppedBodyUnread, 0), PrimaryFailed: c(droppedPrimaryFailed, 0),
		SecondaryTimedOut: c(timedOut, secondary), CandidateTimedOut: c(timedOut, candidate),
		SecondaryFailed: c(failed, secondary), CandidateFailed: c(failed, candidate),
		Unsafe: c(unsafeSkipped, 0),
	}
}

// admit says whether a request with method is sampled for m, counting
// it on the way.
func (m *Mirror) admit(service, method string, now time.Time) bool {
	if !SafeMethod(method) && !m.AllowUnsafe {
		m.count(service, unsafeSkipped, 0)
		return false
	}
	if !slices.Contains(m.methodsAllowed, method) {
		return false
	}
	if !m.Until.IsZero() && !now.Before(m.Until) {
		return false
	}
	// The n-th request is sampled when it makes floor(n*p/100) grow.
	n, p := m.seen.Add(1), int64(m.Percent)
	if n*p/100 == (n-1)*p/100 {
		return false
	}
	if m.MaxRequests > 0 && m.limited.Add(1) > m.MaxRequests {
		return false
	}
	m.count(service, sampled, 0)
	return true
}

// MirrorTable is a front's mirrors, by overlay. Like Table it belongs to
// whoever owns the service, so that mirrors outlive a front closed and
// opened again.
type MirrorTable struct {
	mu      sync.RWMutex
	mirrors map[string]*Mirror
}

// NewMirrorTable returns an empty table.
func NewMirrorTable() *MirrorTable { return &MirrorTable{mirrors: map[string]*Mirror{}} }

// Set mirrors for overlay with m, replacing (and so resetting the counts
// and limit of) any mirror it had. m must not be changed afterwards.
func (t *MirrorTable) Set(overlay string, m *Mirror) {
	m.overlay = overlay
	m.methodsAllowed = m.Methods
	if len(m.methodsAllowed) == 0 {
		m.methodsAllowed = DefaultMirrorMethods
	}
	t.mu.Lock()
	t.mirrors[overlay] = m
	t.mu.Unlock()
}

// Remove ends overlay's mirroring; copies already queued still go.
func (t *MirrorTable) Remove(overlay string) {
	t.mu.Lock()
	delete(t.mirrors, overlay)
	t.mu.Unlock()
}

// Lookup is overlay's mirror, if any.
func (t *MirrorTable) Lookup(overlay string) (*Mirror, bool) {
	if t == nil {
		return nil, false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	m, ok := t.mirrors[overlay]
	return m, ok
}

// Keys lists the mirroring overlays.
func (t *MirrorTable) Keys() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]string, 0, len(t.mirrors))
	for k := range t.mirrors {
		out = append(out, k)
	}
	return out
}

// admit returns the mirrors that sample a request with method; nil (and
// no allocation) when the table is empty.
func (t *MirrorTable) admit(service, method string) []*Mirror {
	if t == nil {
		return nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if len(t.mirrors) == 0 {
		return nil
	}
	var out []*Mirror
	now := time.Now()
	for _, m := range t.mirrors {
		if m.admit(service, method, now) {
			out = append(out, m)
		}
	}
	return out
}
