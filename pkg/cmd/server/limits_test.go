package server

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/microstax/stax/pkg/apis/stax/validation"
)

func parseLimits(t *testing.T, args ...string) *Options {
	t.Helper()
	o := NewOptions(io.Discard, io.Discard)
	fs := pflag.NewFlagSet("stax-apiserver", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestBlueprintLimitFlags(t *testing.T) {
	d := parseLimits(t).BlueprintLimits.Limits
	if d.MaxServicesPerBlueprint != validation.DefaultLimits.MaxServicesPerBlueprint ||
		d.MaxCPUPerService.Cmp(validation.DefaultLimits.MaxCPUPerService) != 0 {
		t.Fatalf("defaults = %+v, want validation.DefaultLimits", d)
	}
	l := parseLimits(t, "--max-services-per-blueprint=5", "--max-ports-per-service=6", "--max-env-per-service=7",
		"--max-dependencies-per-service=8", "--max-dependency-depth=9", "--max-replicas-per-service=10",
		"--max-replicas-per-environment=11", "--max-cpu-per-service=1500m", "--max-memory-per-service=2Gi").BlueprintLimits.Limits
	want := validation.Limits{MaxServicesPerBlueprint: 5, MaxPortsPerService: 6, MaxEnvPerService: 7, MaxDependenciesPerService: 8,
		MaxDependencyDepth: 9, MaxReplicasPerService: 10, MaxReplicasPerEnvironment: 11,
		MaxCPUPerService: resource.MustParse("1500m"), MaxMemoryPerService: resource.MustParse("2Gi")}
	if l.MaxServicesPerBlueprint != 5 || l.MaxPortsPerService != 6 || l.MaxEnvPerService != 7 || l.MaxDependenciesPerService != 8 ||
		l.MaxDependencyDepth != 9 || l.MaxReplicasPerService != 10 || l.MaxReplicasPerEnvironment != 11 ||
		l.MaxCPUPerService.Cmp(want.MaxCPUPerService) != 0 || l.MaxMemoryPerService.Cmp(want.MaxMemoryPerService) != 0 {
		t.Fatalf("parsed %+v, want %+v", l, want)
	}
	// The defaults were not changed through the parsed options.
	if validation.DefaultLimits.MaxCPUPerService.String() != "64" {
		t.Fatalf("DefaultLimits changed: %+v", validation.DefaultLimits)
	}

	bad := parseLimits(t, "--max-ports-per-service=0", "--max-memory-per-service=0")
	errs := strings.Join(bad.BlueprintLimits.Validate(), "\n")
	if !strings.Contains(errs, "--max-ports-per-service must be at least 1") || !strings.Contains(errs, "--max-memory-per-service must be more than 0") {
		t.Fatalf("Validate = %q", errs)
	}
}
