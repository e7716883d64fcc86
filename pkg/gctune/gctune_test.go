package gctune

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

const mib = 1 << 20

func TestPercent(t *testing.T) {
	p := Policy{MaxPercent: 400, MinPercent: 100, Headroom: 512 * mib}
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 400},          // nothing marked yet: the high target
		{64 * mib, 400},   // 800 % would be allowed: capped
		{128 * mib, 400},  // exactly the headroom at 400 %
		{256 * mib, 200},  // the headroom, no more
		{400 * mib, 128},  // 512 / 400
		{512 * mib, 100},  // the floor
		{2048 * mib, 100}, // past it: the floor, not 25 %
	} {
		if got := p.Percent(c.live); got != c.want {
			t.Errorf("Percent(%d MiB) = %d, want %d", c.live/mib, got, c.want)
		}
	}
}

// TestRunSetsTheTarget runs the loop against the real runtime: with a
// live heap of about 64 MiB and a headroom of 32 MiB the target is the
// floor; once the heap is freed it goes back up to the most.
func TestRunSetsTheTarget(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	held := make([][]byte, 64)
	for i := range held {
		held[i] = make([]byte, mib)
	}
	runtime.GC()
	p := Policy{MaxPercent: 300, MinPercent: 50, Headroom: 32 * mib}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, p, 10*time.Millisecond)
	}()
	waitPercent(t, 50)
	runtime.KeepAlive(held)
	held = nil
	runtime.GC()
	waitPercent(t, 300)
	cancel()
	<-done
}

// waitPercent waits until the collector's target is want, read from the
// runtime's own metric of it.
func waitPercent(t *testing.T, want int) {
	t.Helper()
	sample := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	deadline := time.Now().Add(5 * time.Second)
	for {
		metrics.Read(sample)
		got := int(sample[0].Value.Uint64())
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GC percent %d, want %d", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
