// Package ratelimit counts requests per key (an organization, or the
// address of a client whose token did not verify) in fixed one-minute
// windows, and writes the RateLimit headers of an answer. stax-apiserver
// limits each organization with it; the gateway limits unauthenticated
// clients with it.
package ratelimit

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Window is the length of a counting window.
const Window = time.Minute

// window counts a key's requests in a fixed window that starts with its
// first request.
type window struct {
	start time.Time
	count int
}

// Limiter is a set of windows, one per key.
type Limiter struct {
	mu      sync.Mutex
	windows map[string]*window
	now     func() time.Time
}

// Quota is the outcome of one check, for the RateLimit headers.
type Quota struct {
	Limit     int
	Remaining int
	Reset     time.Duration // until the window ends
	Allowed   bool
}

// NewLimiter returns a limiter with no windows.
func NewLimiter() *Limiter {
	return &Limiter{windows: map[string]*window{}, now: time.Now}
}

// Take counts one request of key against limit, unless the window is
// full. The limit is read on every request, so a new tier applies at once.
func (l *Limiter) Take(key string, limit int) Quota {
	return l.check(key, limit, true)
}

// Peek reports the quota of key without counting a request.
func (l *Limiter) Peek(key string, limit int) Quota {
	return l.check(key, limit, false)
}

func (l *Limiter) check(key string, limit int, count bool) Quota {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.windows[key]
	if w == nil || now.Sub(w.start) >= Window {
		if len(l.windows) > 100000 {
			l.prune(now)
		}
		w = &window{start: now}
		l.windows[key] = w
	}
	q := Quota{Limit: limit, Reset: w.start.Add(Window).Sub(now)}
	if w.count < limit {
		q.Allowed = true
		if count {
			w.count++
		}
	}
	q.Remaining = max(limit-w.count, 0)
	return q
}

// prune forgets windows that ended, so idle keys do not pile up.
func (l *Limiter) prune(now time.Time) {
	for k, w := range l.windows {
		if now.Sub(w.start) >= Window {
			delete(l.windows, k)
		}
	}
}

// ResetSeconds rounds up, so a client that waits that long finds room.
func (q Quota) ResetSeconds() int {
	return int((q.Reset + time.Second - 1) / time.Second)
}

// Headers are the names of the headers SetHeaders writes, and Retry-After
// of a refusal: what a gateway in front relays.
var Headers = []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"}

// SetHeaders writes the RateLimit headers of q.
func SetHeaders(h http.Header, q Quota) {
	h.Set("RateLimit-Limit", strconv.Itoa(q.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(q.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(q.ResetSeconds()))
}

// TooMany is the refusal of a request over q: 429 with Retry-After.
func TooMany(q Quota) error {
	return apierrors.NewTooManyRequests("rate limit of "+strconv.Itoa(q.Limit)+" requests a minute reached", q.ResetSeconds())
}

// Share is one of replicas' part of limit when each counts only the
// requests it serves: rounded up, so the replicas together allow at least
// limit (and at most replicas-1 more) a window when load is spread evenly.
func Share(limit, replicas int) int {
	if replicas <= 1 {
		return limit
	}
	return (limit + replicas - 1) / replicas
}
