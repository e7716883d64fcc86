package validation

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// Blueprint shapes that break one bound each, sized from DefaultLimits.

func withServices(n int) func(*stax.Environment) {
	return func(e *stax.Environment) {
		for i := len(e.Spec.Blueprint.Services); i < n; i++ {
			e.Spec.Blueprint.Services = append(e.Spec.Blueprint.Services,
				stax.ServiceSpec{Name: fmt.Sprintf("s%d", i), Image: "x:1", Replicas: int32p(0)})
		}
	}
}

// withChain makes services c0 -> c1 -> ... -> c<n>: a chain n deep.
func withChain(n int) func(*stax.Environment) {
	return func(e *stax.Environment) {
		var svcs []stax.ServiceSpec
		for i := 0; i <= n; i++ {
			s := stax.ServiceSpec{Name: fmt.Sprintf("c%d", i), Image: "x:1", Replicas: int32p(0)}
			if i < n {
				s.DependsOn = []string{fmt.Sprintf("c%d", i+1)}
			}
			svcs = append(svcs, s)
		}
		e.Spec.Blueprint.Services = svcs
	}
}

func withPorts(n int) func(*stax.Environment) {
	return func(e *stax.Environment) {
		svc := &e.Spec.Blueprint.Services[1]
		for i := len(svc.Ports); i < n; i++ {
			svc.Ports = append(svc.Ports, stax.ServicePort{Name: fmt.Sprintf("p%d", i), Port: int32(9000 + i), Protocol: stax.ProtocolTCP})
		}
	}
}

func withEnv(n int) func(*stax.Environment) {
	return func(e *stax.Environment) {
		svc := &e.Spec.Blueprint.Services[1]
		for i := len(svc.Env); i < n; i++ {
			svc.Env = append(svc.Env, stax.EnvVar{Name: fmt.Sprintf("V%d", i), Value: "x"})
		}
	}
}

// withDependencies makes web depend on n services.
func withDependencies(n int) func(*stax.Environment) {
	return func(e *stax.Environment) {
		withServices(3 + n)(e)
		web := &e.Spec.Blueprint.Services[2]
		web.DependsOn = nil
		for i := 3; i < 3+n; i++ {
			web.DependsOn = append(web.DependsOn, fmt.Sprintf("s%d", i))
		}
	}
}

func withQuantity(list, name, value string) func(*stax.Environment) {
	return func(e *stax.Environment) {
		r := &e.Spec.Blueprint.Services[0].Resources
		r.Requests[name] = intstr.FromString(value)
		if list == "limits" {
			r.Limits[name] = intstr.FromString(value)
			r.Requests[name] = intstr.FromString("1")
		}
	}
}

func TestBlueprintBounds(t *testing.T) {
	d := DefaultLimits
	cases := []struct {
		name   string
		mutate func(*stax.Environment)
		field  string
		typ    field.ErrorType
		detail string
	}{
		{"too many services", withServices(d.MaxServicesPerBlueprint + 1),
			"spec.blueprint.services", field.ErrorTypeTooMany, ""},
		{"20,000 services", withServices(20000),
			"spec.blueprint.services", field.ErrorTypeTooMany, ""},
		{"dependency chain too deep", withChain(d.MaxDependencyDepth + 1),
			"spec.blueprint.services[0].dependsOn", field.ErrorTypeInvalid, "chain 17 deep"},
		{"too many dependencies", withDependencies(d.MaxDependenciesPerService + 1),
			"spec.blueprint.services[2].dependsOn", field.ErrorTypeTooMany, ""},
		{"too many ports", withPorts(d.MaxPortsPerService + 1),
			"spec.blueprint.services[1].ports", field.ErrorTypeTooMany, ""},
		{"too many env entries", withEnv(d.MaxEnvPerService + 1),
			"spec.blueprint.services[1].env", field.ErrorTypeTooMany, ""},
		{"too many replicas of a service", func(e *stax.Environment) { e.Spec.Blueprint.Services[1].Replicas = int32p(1000000000) },
			"spec.blueprint.services[1].replicas", field.ErrorTypeInvalid, "less than or equal to 50"},
		{"too many replicas in the environment", func(e *stax.Environment) {
			for i := range e.Spec.Blueprint.Services {
				e.Spec.Blueprint.Services[i].Replicas = int32p(int32(d.MaxReplicasPerService))
			}
			withServices(5)(e)
			for i := range e.Spec.Blueprint.Services {
				e.Spec.Blueprint.Services[i].Replicas = int32p(int32(d.MaxReplicasPerService))
			}
		}, "spec.blueprint.services", field.ErrorTypeInvalid, "add up to 250"},
		{"cpu request above the bound", withQuantity("requests", "cpu", "65"),
			"spec.blueprint.services[0].resources.requests[cpu]", field.ErrorTypeInvalid, "at most 64 cores"},
		{"cpu limit above the bound", withQuantity("limits", "cpu", "100"),
			"spec.blueprint.services[0].resources.limits[cpu]", field.ErrorTypeInvalid, "at most 64 cores"},
		{"infinite cpu", withQuantity("requests", "cpu", "1e1000000"),
			"spec.blueprint.services[0].resources.requests[cpu]", field.ErrorTypeInvalid, "finite"},
		{"memory above the bound", withQuantity("limits", "memory", "257Gi"),
			"spec.blueprint.services[0].resources.limits[memory]", field.ErrorTypeInvalid, "at most 256Gi"},
		{"another resource not finite", withQuantity("requests", "ephemeral-storage", "1e100"),
			"spec.blueprint.services[0].resources.requests[ephemeral-storage]", field.ErrorTypeInvalid, "finite"},
		{"empty command entry", func(e *stax.Environment) { e.Spec.Blueprint.Services[1].Command = []string{""} },
			"spec.blueprint.services[1].command[0]", field.ErrorTypeRequired, "not be empty"},
		{"empty args entry", func(e *stax.Environment) { e.Spec.Blueprint.Services[1].Args = []string{"-v", ""} },
			"spec.blueprint.services[1].args[1]", field.ErrorTypeRequired, "not be empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnvironment()
			tc.mutate(env)
			errs := ValidateEnvironment(env, nil, DefaultLimits)
			if !hasError(errs, tc.field, tc.typ, tc.detail) {
				t.Fatalf("want %s error at %s containing %q, got %v", tc.typ, tc.field, tc.detail, errs)
			}
		})
	}
}

// TestBlueprintAtTheBoundsPasses: each bound is inclusive.
func TestBlueprintAtTheBoundsPasses(t *testing.T) {
	d := DefaultLimits
	for name, mutate := range map[string]func(*stax.Environment){
		"services":     withServices(d.MaxServicesPerBlueprint),
		"chain":        withChain(d.MaxDependencyDepth),
		"dependencies": withDependencies(d.MaxDependenciesPerService),
		"ports":        withPorts(d.MaxPortsPerService),
		"env":          withEnv(d.MaxEnvPerService),
		"cpu":          withQuantity("limits", "cpu", "64"),
		"memory":       withQuantity("limits", "memory", "256Gi"),
		"replicas": func(e *stax.Environment) {
			e.Spec.Blueprint.Services[1].Replicas = int32p(int32(d.MaxReplicasPerService))
		},
	} {
		env := validEnvironment()
		mutate(env)
		if errs := ValidateEnvironment(env, nil, DefaultLimits); len(errs) != 0 {
			t.Errorf("%s at the bound refused: %v", name, errs)
		}
	}
}

// TestLimitsAreConfigurable: the bounds come from the Limits passed, and
// zero fields take the defaults.
func TestLimitsAreConfigurable(t *testing.T) {
	env := validEnvironment()
	withPorts(40)(env)
	if errs := ValidateEnvironment(env, nil, Limits{MaxPortsPerService: 64}); len(errs) != 0 {
		t.Fatalf("40 ports under a limit of 64 refused: %v", errs)
	}
	if errs := ValidateEnvironment(env, nil, Limits{}); !hasError(errs, "spec.blueprint.services[1].ports", field.ErrorTypeTooMany, "") {
		t.Fatalf("zero Limits must mean the defaults (32 ports): %v", errs)
	}
}

// TestBoundsRatchet: an environment stored under higher limits stays
// updatable after the limits are lowered, unless the update makes an
// over-bound part worse.
func TestBoundsRatchet(t *testing.T) {
	high := Limits{MaxServicesPerBlueprint: 1000, MaxPortsPerService: 1000, MaxEnvPerService: 1000,
		MaxDependenciesPerService: 1000, MaxDependencyDepth: 1000, MaxReplicasPerService: 1000, MaxReplicasPerEnvironment: 100000,
		MaxCPUPerService: resource.MustParse("1000")}
	old := validEnvironment()
	old.ResourceVersion = "1"
	withServices(150)(old)
	withPorts(40)(old)
	old.Spec.Blueprint.Services[1].Replicas = int32p(80)
	old.Spec.Blueprint.Services[0].Resources.Limits["cpu"] = intstr.FromString("100")
	if errs := ValidateEnvironment(old, nil, high); len(errs) != 0 {
		t.Fatalf("created under high limits: %v", errs)
	}
	// Stored before empty entries were refused.
	old.Spec.Blueprint.Services[1].Command = []string{"./api", ""}
	if errs := ValidateEnvironment(old, nil, DefaultLimits); len(errs) < 4 {
		t.Fatalf("the old environment should break the default bounds: %v", errs)
	}

	same := old.DeepCopy()
	same.Spec.DisplayName = "Renamed"
	same.Labels = map[string]string{"team": "a"}
	if errs := ValidateEnvironmentUpdate(same, old, nil, DefaultLimits); len(errs) != 0 {
		t.Errorf("an update that keeps the over-bound parts refused: %v", errs)
	}
	smaller := old.DeepCopy()
	smaller.Spec.Blueprint.Services = smaller.Spec.Blueprint.Services[:120]
	smaller.Spec.Blueprint.Services[1].Ports = smaller.Spec.Blueprint.Services[1].Ports[:35]
	smaller.Spec.Blueprint.Services[1].Replicas = int32p(60)
	if errs := ValidateEnvironmentUpdate(smaller, old, nil, DefaultLimits); len(errs) != 0 {
		t.Errorf("an update that shrinks the over-bound parts refused: %v", errs)
	}

	for name, tc := range map[string]struct {
		mutate func(*stax.Environment)
		field  string
	}{
		"more services": {withServices(151), "spec.blueprint.services"},
		"more ports":    {withPorts(41), "spec.blueprint.services[1].ports"},
		"more replicas": {func(e *stax.Environment) { e.Spec.Blueprint.Services[1].Replicas = int32p(81) }, "spec.blueprint.services[1].replicas"},
		"more cpu": {func(e *stax.Environment) {
			e.Spec.Blueprint.Services[0].Resources.Limits["cpu"] = intstr.FromString("101")
		}, "spec.blueprint.services[0].resources.limits[cpu]"},
		"changed command":     {func(e *stax.Environment) { e.Spec.Blueprint.Services[1].Command = []string{"", "./api"} }, "spec.blueprint.services[1].command[0]"},
		"new service's ports": {func(e *stax.Environment) { e.Spec.Blueprint.Services[1].Name = "api2" }, "spec.blueprint.services[1].ports"},
	} {
		worse := old.DeepCopy()
		tc.mutate(worse)
		if errs := ValidateEnvironmentUpdate(worse, old, nil, DefaultLimits); !hasFieldError(errs, tc.field) {
			t.Errorf("%s: want an error at %s, got %v", name, tc.field, errs)
		}
	}
}

func hasFieldError(errs field.ErrorList, path string) bool {
	for _, e := range errs {
		if e.Field == path {
			return true
		}
	}
	return false
}
