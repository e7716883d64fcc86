package controllermanager

import (
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// The election as /metrics shows it. Summed over the replicas the gauge is
// 1 while some replica leads; the counter of each rises when it takes over.
var (
	leaderGauge = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Namespace:      "stax",
		Subsystem:      "controller_manager",
		Name:           "leader",
		Help:           "1 while this stax-controller-manager leads (runs the controllers), 0 while it waits; by its --leader-elect-identity.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"identity"})
	leaderElectionsTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace:      "stax",
		Subsystem:      "controller_manager",
		Name:           "leader_elections_total",
		Help:           "Elections this stax-controller-manager won, by its --leader-elect-identity.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"identity"})
)

func init() {
	legacyregistry.MustRegister(leaderGauge, leaderElectionsTotal)
}

// setLeading records whether identity leads now.
func setLeading(identity string, leading bool) {
	if leading {
		leaderGauge.WithLabelValues(identity).Set(1)
		leaderElectionsTotal.WithLabelValues(identity).Inc()
		return
	}
	leaderGauge.WithLabelValues(identity).Set(0)
}
