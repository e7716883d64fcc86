// Package gctune sets the Go collector's target (GOGC) from the live heap.
//
// An API server allocates far more per request (decoding, managed fields,
// encoding) than it keeps, so with Go's default target it collects often
// and a higher target saves CPU. A fixed high target, though, costs memory
// in proportion to what is held: at 400 the heap grows to five times the
// live objects. This policy keeps the high target while the heap is small
// and lets the headroom stop growing once it is large: the target is the
// headroom over the live heap, within [MinPercent, MaxPercent].
package gctune

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Policy is how the target follows the live heap.
type Policy struct {
	// MaxPercent is the target while the live heap is small.
	MaxPercent int
	// MinPercent is the floor, reached once the live heap is
	// Headroom × 100 / MinPercent bytes or more.
	MinPercent int
	// Headroom is how far, in bytes, the heap may grow past what is live
	// before a collection, for targets between the two.
	Headroom uint64
}

// Percent is the target for a live heap of live bytes.
func (p Policy) Percent(live uint64) int {
	if live == 0 {
		return p.MaxPercent
	}
	percent := p.Headroom * 100 / live
	switch {
	case percent >= uint64(p.MaxPercent):
		return p.MaxPercent
	case percent <= uint64(p.MinPercent):
		return p.MinPercent
	}
	return int(percent)
}

// liveHeap is the metric of the heap marked live by the last collection.
const liveHeap = "/gc/heap/live:bytes"

// Run sets the target now and then every interval, from the live heap
// the last collection found, until ctx ends. It changes the target only
// when it moves by more than a twentieth, so a steady heap does not
// rewrite it every interval.
func Run(ctx context.Context, p Policy, interval time.Duration) {
	sample := []metrics.Sample{{Name: liveHeap}}
	current := -1
	apply := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		want := p.Percent(sample[0].Value.Uint64())
		if current < 0 || abs(want-current)*20 > current {
			debug.SetGCPercent(want)
			current = want
		}
	}
	apply()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			apply()
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
