package gateway

import (
	"testing"
	"time"
)

func TestLimiterWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter()
	l.now = func() time.Time { return now }
	for i := 1; i <= 3; i++ {
		if q := l.take("acme", 3); !q.allowed || q.remaining != 3-i {
			t.Fatalf("request %d: %+v", i, q)
		}
	}
	now = now.Add(20 * time.Second)
	if q := l.take("acme", 3); q.allowed || q.remaining != 0 || q.resetSeconds() != 40 {
		t.Fatalf("over quota: %+v (reset %ds)", q, q.resetSeconds())
	}
	if q := l.take("globex", 3); !q.allowed || q.remaining != 2 {
		t.Fatalf("another key: %+v", q)
	}
	// A larger limit applies at once, in the same window.
	if q := l.take("acme", 5); !q.allowed || q.remaining != 1 {
		t.Fatalf("raised limit: %+v", q)
	}
	if q := l.peek("acme", 5); !q.allowed || q.remaining != 1 {
		t.Fatalf("peek counted: %+v", q)
	}
	now = now.Add(40 * time.Second)
	if q := l.take("acme", 3); !q.allowed || q.remaining != 2 || q.resetSeconds() != 60 {
		t.Fatalf("new window: %+v", q)
	}
}
