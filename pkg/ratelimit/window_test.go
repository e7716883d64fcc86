package ratelimit

import (
	"testing"
	"time"
)

func TestLimiterWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewLimiter()
	l.now = func() time.Time { return now }
	for i := 1; i <= 3; i++ {
		if q := l.Take("acme", 3); !q.Allowed || q.Remaining != 3-i {
			t.Fatalf("request %d: %+v", i, q)
		}
	}
	now = now.Add(20 * time.Second)
	if q := l.Take("acme", 3); q.Allowed || q.Remaining != 0 || q.ResetSeconds() != 40 {
		t.Fatalf("over quota: %+v (reset %ds)", q, q.ResetSeconds())
	}
	if q := l.Take("globex", 3); !q.Allowed || q.Remaining != 2 {
		t.Fatalf("another key: %+v", q)
	}
	// A larger limit applies at once, in the same window.
	if q := l.Take("acme", 5); !q.Allowed || q.Remaining != 1 {
		t.Fatalf("raised limit: %+v", q)
	}
	if q := l.Peek("acme", 5); !q.Allowed || q.Remaining != 1 {
		t.Fatalf("peek counted: %+v", q)
	}
	now = now.Add(40 * time.Second)
	if q := l.Take("acme", 3); !q.Allowed || q.Remaining != 2 || q.ResetSeconds() != 60 {
		t.Fatalf("new window: %+v", q)
	}
}

func TestShare(t *testing.T) {
	for _, c := range []struct{ limit, replicas, want int }{
		{600, 1, 600}, {600, 0, 600}, {600, 2, 300}, {10, 3, 4}, {1, 4, 1}, {0, 2, 0},
	} {
		if got := Share(c.limit, c.replicas); got != c.want {
			t.Errorf("Share(%d, %d) = %d, want %d", c.limit, c.replicas, got, c.want)
		}
	}
}
