package server

import (
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/microstax/stax/pkg/apis/stax/validation"
)

// BlueprintLimitsOptions are the --max-* flags: the upper bounds of a
// blueprint. Their defaults are validation.DefaultLimits.
type BlueprintLimitsOptions struct {
	Limits validation.Limits
}

// NewBlueprintLimitsOptions returns the defaults.
func NewBlueprintLimitsOptions() *BlueprintLimitsOptions {
	l := validation.DefaultLimits
	l.MaxCPUPerService = l.MaxCPUPerService.DeepCopy()
	l.MaxMemoryPerService = l.MaxMemoryPerService.DeepCopy()
	return &BlueprintLimitsOptions{Limits: l}
}

// AddFlags registers the --max-* flags.
func (o *BlueprintLimitsOptions) AddFlags(fs *pflag.FlagSet) {
	l := &o.Limits
	fs.IntVar(&l.MaxServicesPerBlueprint, "max-services-per-blueprint", l.MaxServicesPerBlueprint,
		"Most services in one environment's blueprint.")
	fs.IntVar(&l.MaxPortsPerService, "max-ports-per-service", l.MaxPortsPerService, "Most ports of one service.")
	fs.IntVar(&l.MaxEnvPerService, "max-env-per-service", l.MaxEnvPerService, "Most env entries of one service.")
	fs.IntVar(&l.MaxDependenciesPerService, "max-dependencies-per-service", l.MaxDependenciesPerService,
		"Most dependsOn entries of one service.")
	fs.IntVar(&l.MaxDependencyDepth, "max-dependency-depth", l.MaxDependencyDepth,
		"Longest dependsOn chain, in edges (web -> api -> db is 2).")
	fs.IntVar(&l.MaxReplicasPerService, "max-replicas-per-service", l.MaxReplicasPerService, "Most replicas of one service.")
	fs.IntVar(&l.MaxReplicasPerEnvironment, "max-replicas-per-environment", l.MaxReplicasPerEnvironment,
		"Most replicas of all services of one environment together.")
	fs.Var(quantityFlag{&l.MaxCPUPerService}, "max-cpu-per-service", "Most cpu a replica of a service may request or be limited to.")
	fs.Var(quantityFlag{&l.MaxMemoryPerService}, "max-memory-per-service", "Most memory a replica of a service may request or be limited to.")
}

// Validate refuses bounds that are not positive. Lowering a bound never
// breaks stored environments: updates ratchet (pkg/apis/stax/validation).
func (o *BlueprintLimitsOptions) Validate() []string {
	var errs []string
	l := o.Limits
	for _, b := range []struct {
		flag  string
		value int
	}{
		{"max-services-per-blueprint", l.MaxServicesPerBlueprint},
		{"max-ports-per-service", l.MaxPortsPerService},
		{"max-env-per-service", l.MaxEnvPerService},
		{"max-dependencies-per-service", l.MaxDependenciesPerService},
		{"max-dependency-depth", l.MaxDependencyDepth},
		{"max-replicas-per-service", l.MaxReplicasPerService},
		{"max-replicas-per-environment", l.MaxReplicasPerEnvironment},
	} {
		if b.value < 1 {
			errs = append(errs, fmt.Sprintf("--%s must be at least 1, not %d", b.flag, b.value))
		}
	}
	if l.MaxCPUPerService.Sign() <= 0 {
		errs = append(errs, fmt.Sprintf("--max-cpu-per-service must be more than 0, not %s", l.MaxCPUPerService.String()))
	}
	if l.MaxMemoryPerService.Sign() <= 0 {
		errs = append(errs, fmt.Sprintf("--max-memory-per-service must be more than 0, not %s", l.MaxMemoryPerService.String()))
	}
	return errs
}

// quantityFlag is a resource quantity as a flag value ("64", "256Gi").
type quantityFlag struct{ q *resource.Quantity }

func (f quantityFlag) String() string { return f.q.String() }
func (f quantityFlag) Type() string   { return "quantity" }

func (f quantityFlag) Set(s string) error {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return err
	}
	*f.q = q
	return nil
}
