package environment

import (
	"testing"
	"time"
)

func TestObservationSooner(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		due  time.Time
		want time.Duration
	}{
		{"nothing due", time.Time{}, 5 * time.Second},
		{"due after the poll", now.Add(30 * time.Minute), 5 * time.Second},
		{"due before the poll", now.Add(2 * time.Second), 2 * time.Second},
		{"overdue: soon, not at once", now.Add(-time.Minute), minStubRefreshPoll},
	} {
		if got := (observation{now: now, stubsDue: tc.due}).sooner(5 * time.Second); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
