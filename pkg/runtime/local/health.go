package local

import (
	"context"
	"time"
)

// Probe timing. Until its first success a replica is probed at intervals
// doubling from startupFirst to startupInterval (or Period if shorter) so
// that it becomes ready soon after it listens; it only turns unhealthy if no probe succeeded within
// Period × FailureThreshold of its start. Once ready, it is probed every
// Period and FailureThreshold failures in a row make it unready. Both come
// in the plan (the API's defaults fill them; Plan.Validate requires them).
const (
	startupFirst    = 10 * time.Millisecond
	startupInterval = 100 * time.Millisecond
)

func (r *replica) probeLoop(ctx context.Context, began time.Time) {
	h := r.svc.plan.Health
	if h == nil {
		r.readyWithoutProbe(ctx)
		return
	}
	period, threshold := h.Period, h.FailureThreshold
	r.mu.Lock()
	addr := loopback(r.ports[r.svc.probePort])
	r.mu.Unlock()
	timeout := min(max(period, 100*time.Millisecond), 5*time.Second)
	startupDeadline := began.Add(period * time.Duration(threshold))
	startupWait := startupFirst
	for {
		err := probe(ctx, addr, h.HTTPPath, timeout)
		if ctx.Err() != nil {
			return
		}
		r.recordProbe(err, threshold, startupDeadline)
		wait := period
		r.mu.Lock()
		if !r.everReady {
			wait = min(period, startupWait)
			startupWait = min(startupWait*2, startupInterval)
		}
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (r *replica) recordProbe(err error, threshold int, startupDeadline time.Time) {
	r.mu.Lock()
	was := r.ready
	r.lastProbe = time.Now()
	if err == nil {
		r.ready, r.everReady, r.unhealthy, r.failures, r.probeErr = true, true, false, 0, ""
	} else {
		r.failures++
		r.probeErr = err.Error()
		if r.everReady && r.failures >= threshold {
			r.ready, r.unhealthy = false, true
		}
		if !r.everReady && time.Now().After(startupDeadline) {
			r.unhealthy = true
		}
	}
	changed := was != r.ready
	r.mu.Unlock()
	if changed {
		r.svc.env.notify()
	}
}

func (r *replica) readyWithoutProbe(ctx context.Context) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(readyAfter):
	}
	r.mu.Lock()
	r.ready, r.everReady = true, true
	r.mu.Unlock()
	r.svc.env.notify()
}
