package validation

import (
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/microstax/stax/pkg/apis/stax"
)

// An overlay (an Environment with spec.baselineRef) runs only its own
// services; the rest of its topology is the baseline's. Its blueprint is
// therefore checked as the union of both: dependsOn may name a baseline
// service, and a cycle may run through baseline services. An own service
// with a baseline service's name replaces it in the union. The bounds count
// only the overlay's own services: they are all it runs.

// serviceNames lists the services of bp (none when bp is nil).
func serviceNames(bp *stax.Blueprint) sets.Set[string] {
	names := sets.New[string]()
	if bp != nil {
		for _, s := range bp.Services {
			names.Insert(s.Name)
		}
	}
	return names
}

// unionServices is the topology an overlay runs in: its own services, then
// the base's that it does not replace.
func unionServices(bp, base *stax.Blueprint) []stax.ServiceSpec {
	if base == nil {
		return bp.Services
	}
	own := serviceNames(bp)
	union := append([]stax.ServiceSpec(nil), bp.Services...)
	for _, s := range base.Services {
		if !own.Has(s.Name) {
			union = append(union, s)
		}
	}
	return union
}
