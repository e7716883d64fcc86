package gateway

import (
	"sync"
	"time"
)

// window counts a key's requests in a fixed one-minute window that starts
// with its first request.
type window struct {
	start time.Time
	count int
}

// limiter is a set of one-minute windows, one per key (an organization, or
// the address of an unauthenticated client).
type limiter struct {
	mu      sync.Mutex
	windows map[string]*window
	now     func() time.Time
}

// quota is the outcome of one check, for the RateLimit headers.
type quota struct {
	limit     int
	remaining int
	reset     time.Duration // until the window ends
	allowed   bool
}

func newLimiter() *limiter {
	return &limiter{windows: map[string]*window{}, now: time.Now}
}

// take counts one request of key against limit, unless the window is
// full. The limit is read on every request, so a new tier applies at once.
func (l *limiter) take(key string, limit int) quota {
	return l.check(key, limit, true)
}

// peek reports the quota of key without counting a request.
func (l *limiter) peek(key string, limit int) quota {
	return l.check(key, limit, false)
}

func (l *limiter) check(key string, limit int, count bool) quota {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.windows[key]
	if w == nil || now.Sub(w.start) >= time.Minute {
		if len(l.windows) > 100000 {
			l.prune(now)
		}
		w = &window{start: now}
		l.windows[key] = w
	}
	q := quota{limit: limit, reset: w.start.Add(time.Minute).Sub(now)}
	if w.count < limit {
		q.allowed = true
		if count {
			w.count++
		}
	}
	q.remaining = max(limit-w.count, 0)
	return q
}

// prune forgets windows that ended, so idle keys do not pile up.
func (l *limiter) prune(now time.Time) {
	for k, w := range l.windows {
		if now.Sub(w.start) >= time.Minute {
			delete(l.windows, k)
		}
	}
}

// resetSeconds rounds up, so a client that waits that long finds room.
func (q quota) resetSeconds() int {
	return int((q.reset + time.Second - 1) / time.Second)
}
