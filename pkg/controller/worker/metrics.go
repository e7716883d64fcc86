package worker

import (
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	// The work queues' own metrics (workqueue_depth, _adds_total,
	// _queue_duration_seconds, _work_duration_seconds, _retries_total, ...,
	// labelled name=<controller's queue>) go to the legacy registry, which
	// stax-apiserver's and stax-controller-manager's /metrics serve. It must
	// be set before the first queue is made: importing it here makes sure.
	_ "k8s.io/component-base/metrics/prometheus/workqueue"
)

// Sync outcomes per controller, beside the queue's own latency histograms:
// an error is retried with back-off, so a rising error count with a flat
// depth is a controller failing the same objects again and again.
var (
	syncsTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace:      "stax",
		Subsystem:      "controller",
		Name:           "syncs_total",
		Help:           "Syncs of objects by the MicroStax controllers, failed or not, by controller (its queue name).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"controller"})
	syncErrorsTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace:      "stax",
		Subsystem:      "controller",
		Name:           "sync_errors_total",
		Help:           "Syncs that failed and were queued again with back-off, by controller (its queue name).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"controller"})
)

func init() {
	legacyregistry.MustRegister(syncsTotal, syncErrorsTotal)
}

// countSync records one sync's outcome for controller.
func countSync(controller string, err error) {
	syncsTotal.WithLabelValues(controller).Inc()
	if err != nil {
		syncErrorsTotal.WithLabelValues(controller).Inc()
	}
}
