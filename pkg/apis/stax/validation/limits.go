package validation

import (
	"math"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Limits are the upper bounds of a blueprint. They keep every stored
// environment small enough that its status can be written (etcd refuses a
// request above about 1.5 MiB) and that a runtime can run it. Operators set
// them with the --max-* flags of stax-apiserver (pkg/cmd/server/limits.go);
// the defaults are DefaultLimits, stated here once. A zero field means its
// default.
//
// Limits are passed to validation, not read from a global, so that an
// organization's quota can later hand each organization its own (the
// strategy chooses which Limits an environment is checked against).
type Limits struct {
	// MaxServicesPerBlueprint bounds spec.blueprint.services.
	MaxServicesPerBlueprint int
	// MaxPortsPerService bounds each service's ports.
	MaxPortsPerService int
	// MaxEnvPerService bounds each service's env.
	MaxEnvPerService int
	// MaxDependenciesPerService bounds each service's dependsOn.
	MaxDependenciesPerService int
	// MaxDependencyDepth bounds the longest dependsOn chain, counted in
	// edges: a service without dependencies has depth 0, web -> api -> db
	// has depth 2. Services start in dependency order, so this bounds how
	// many start one after the other.
	MaxDependencyDepth int
	// MaxReplicasPerService bounds each service's replicas.
	MaxReplicasPerService int
	// MaxReplicasPerEnvironment bounds the sum of all services' replicas.
	MaxReplicasPerEnvironment int
	// MaxCPUPerService bounds the cpu a replica of a service requests or is
	// limited to.
	MaxCPUPerService resource.Quantity
	// MaxMemoryPerService bounds the memory a replica of a service requests
	// or is limited to.
	MaxMemoryPerService resource.Quantity
}

// DefaultLimits are the bounds of a server started without --max-* flags.
var DefaultLimits = Limits{
	MaxServicesPerBlueprint:   100,
	MaxPortsPerService:        32,
	MaxEnvPerService:          256,
	MaxDependenciesPerService: 32,
	MaxDependencyDepth:        16,
	MaxReplicasPerService:     50,
	MaxReplicasPerEnvironment: 200,
	MaxCPUPerService:          resource.MustParse("64"),
	MaxMemoryPerService:       resource.MustParse("256Gi"),
}

// maxQuantity is the largest value of any resource quantity, whatever its
// name: the largest int64, so that every quantity has a finite integer
// value (records multiply them into core-hours; "1e1000000" would be +Inf).
// It is no flag: it is what "finite" means here.
var maxQuantity = *resource.NewQuantity(math.MaxInt64, resource.DecimalSI)

// WithDefaults fills each zero field from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits
	orDefault := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	orDefault(&l.MaxServicesPerBlueprint, d.MaxServicesPerBlueprint)
	orDefault(&l.MaxPortsPerService, d.MaxPortsPerService)
	orDefault(&l.MaxEnvPerService, d.MaxEnvPerService)
	orDefault(&l.MaxDependenciesPerService, d.MaxDependenciesPerService)
	orDefault(&l.MaxDependencyDepth, d.MaxDependencyDepth)
	orDefault(&l.MaxReplicasPerService, d.MaxReplicasPerService)
	orDefault(&l.MaxReplicasPerEnvironment, d.MaxReplicasPerEnvironment)
	if l.MaxCPUPerService.IsZero() {
		l.MaxCPUPerService = d.MaxCPUPerService.DeepCopy()
	}
	if l.MaxMemoryPerService.IsZero() {
		l.MaxMemoryPerService = d.MaxMemoryPerService.DeepCopy()
	}
	return l
}
