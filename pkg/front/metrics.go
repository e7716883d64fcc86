package front

import (
	"sync/atomic"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// The mirror's counters, in the process's legacy registry: stax-apiserver
// serves them on its /metrics (the local runtime's fronts run in it), and
// stax-shadow on its own.
var (
	mirrorLabels = []string{"organization", "overlay", "service"}

	sampledTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "stax", Subsystem: "shadow", Name: "sampled_total",
		Help:           "Requests of the default route sampled for mirroring (what a mirror's request limit counts); each ends mirrored or dropped.",
		StabilityLevel: metrics.ALPHA,
	}, mirrorLabels)
	mirroredTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "stax", Subsystem: "shadow", Name: "mirrored_total",
		Help:           "Mirrored requests whose exchange (primary, secondary and candidate answers) went to the sink.",
		StabilityLevel: metrics.ALPHA,
	}, mirrorLabels)
	droppedTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "stax", Subsystem: "shadow", Name: "dropped_total",
		Help:           "Sampled requests not mirrored, by reason: queue_full, body_too_large, body_unread, primary_failed.",
		StabilityLevel: metrics.ALPHA,
	}, append(mirrorLabels, "reason"))
	timedOutTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "stax", Subsystem: "shadow", Name: "timed_out_total",
		Help:           "Mirrored copies that timed out, by target: secondary or candidate.",
		StabilityLevel: metrics.ALPHA,
	}, append(mirrorLabels, "target"))
	failedTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "stax", Subsystem: "shadow", Name: "failed_total",
		Help:           "Mirrored copies that failed other than by timing out (refused, reset, no ready replica), by target.",
		StabilityLevel: metrics.ALPHA,
	}, append(mirrorLabels, "target"))
	unsafeTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "stax", Subsystem: "shadow", Name: "unsafe_skipped_total",
		Help:           "Requests with an unsafe method not mirrored because the mirror does not allow unsafe methods.",
		StabilityLevel: metrics.ALPHA,
	}, mirrorLabels)
)

func init() {
	legacyregistry.MustRegister(sampledTotal, mirroredTotal, droppedTotal, timedOutTotal, failedTotal, unsafeTotal)
}

// What a count is, for its metric.
type mirrorEvent int

const (
	mirrored mirrorEvent = iota
	droppedQueueFull
	droppedBodyTooLarge
	droppedBodyUnread
	droppedPrimaryFailed
	unsafeSkipped
	sampled
	timedOut // a copy, by target
	failed   // a copy, by target
	numEvents
)

// Targets of a copy.
const (
	secondary = 0
	candidate = 1
)

var (
	targetNames   = [2]string{"secondary", "candidate"}
	droppedReason = map[mirrorEvent]string{droppedQueueFull: "queue_full", droppedBodyTooLarge: "body_too_large",
		droppedBodyUnread: "body_unread", droppedPrimaryFailed: "primary_failed"}
)

// mirrorCounters are a mirror's own counts, by event and target.
type mirrorCounters [numEvents][2]atomic.Int64

// count adds one to the mirror's count of event (target is for timedOut
// and failed) and to its metric; service is the front's.
func (m *Mirror) count(service string, event mirrorEvent, target int) {
	m.stats[event][target].Add(1)
	org, overlay := m.Organization, m.overlay
	switch event {
	case mirrored:
		mirroredTotal.WithLabelValues(org, overlay, service).Inc()
	case sampled:
		sampledTotal.WithLabelValues(org, overlay, service).Inc()
	case unsafeSkipped:
		unsafeTotal.WithLabelValues(org, overlay, service).Inc()
	case timedOut:
		timedOutTotal.WithLabelValues(org, overlay, service, targetNames[target]).Inc()
	case failed:
		failedTotal.WithLabelValues(org, overlay, service, targetNames[target]).Inc()
	default:
		droppedTotal.WithLabelValues(org, overlay, service, droppedReason[event]).Inc()
	}
}
