package validation

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

func int32p(i int32) *int32 { return &i }

// validEnvironment is a three-service chain web -> api -> db that passes.
func validEnvironment() *stax.Environment {
	return &stax.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "acme"},
		Spec: stax.EnvironmentSpec{
			DisplayName: "Shop",
			Blueprint: stax.Blueprint{Services: []stax.ServiceSpec{
				{
					Name: "db", Image: "postgres:16", Replicas: int32p(1),
					Ports:  []stax.ServicePort{{Name: "sql", Port: 5432, Protocol: stax.ProtocolTCP}},
					Health: &stax.HealthCheck{TCP: &stax.TCPHealthCheck{Port: intstr.FromString("sql")}, PeriodSeconds: 10, FailureThreshold: 3},
					Resources: stax.ResourceRequirements{
						Requests: stax.ResourceList{"cpu": intstr.FromString("250m"), "memory": intstr.FromString("256Mi")},
						Limits:   stax.ResourceList{"cpu": intstr.FromInt32(1), "memory": intstr.FromString("512Mi")},
					},
				},
				{
					Name: "api", Command: []string{"./api"}, Replicas: int32p(2), DependsOn: []string{"db"},
					Env:    []stax.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}},
					Ports:  []stax.ServicePort{{Name: "http", Port: 8080, Protocol: stax.ProtocolTCP}},
					Health: &stax.HealthCheck{HTTP: &stax.HTTPHealthCheck{Path: "/healthz", Port: intstr.FromInt32(8080)}, PeriodSeconds: 5, FailureThreshold: 3},
				},
				{Name: "web", Image: "web:2", Replicas: int32p(1), DependsOn: []string{"api"}},
			}},
		},
	}
}

func TestValidEnvironmentPasses(t *testing.T) {
	if errs := ValidateEnvironment(validEnvironment(), nil, DefaultLimits); len(errs) != 0 {
		t.Fatalf("valid environment refused: %v", errs)
	}
}

func TestValidateEnvironmentRefusals(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*stax.Environment)
		field  string
		typ    field.ErrorType
		detail string // a part of the message that must be present
	}{
		{"no services", func(e *stax.Environment) { e.Spec.Blueprint.Services = nil },
			"spec.blueprint.services", field.ErrorTypeRequired, "at least one service"},
		{"service name not DNS-1123", func(e *stax.Environment) { e.Spec.Blueprint.Services[0].Name = "DB_1" },
			"spec.blueprint.services[0].name", field.ErrorTypeInvalid, "RFC 1123"},
		{"service name empty", func(e *stax.Environment) { e.Spec.Blueprint.Services[2].Name = "" },
			"spec.blueprint.services[2].name", field.ErrorTypeRequired, ""},
		{"duplicate service name", func(e *stax.Environment) { e.Spec.Blueprint.Services[2].Name = "api" },
			"spec.blueprint.services[2].name", field.ErrorTypeDuplicate, ""},
		{"port zero", func(e *stax.Environment) { e.Spec.Blueprint.Services[0].Ports[0].Port = 0 },
			"spec.blueprint.services[0].ports[0].port", field.ErrorTypeInvalid, "between 1 and 65535"},
		{"port too high", func(e *stax.Environment) { e.Spec.Blueprint.Services[0].Ports[0].Port = 65536 },
			"spec.blueprint.services[0].ports[0].port", field.ErrorTypeInvalid, "between 1 and 65535"},
		{"duplicate port number", func(e *stax.Environment) {
			e.Spec.Blueprint.Services[1].Ports = append(e.Spec.Blueprint.Services[1].Ports, stax.ServicePort{Name: "admin", Port: 8080, Protocol: stax.ProtocolTCP})
		}, "spec.blueprint.services[1].ports[1].port", field.ErrorTypeDuplicate, ""},
		{"duplicate port name", func(e *stax.Environment) {
			e.Spec.Blueprint.Services[1].Ports = append(e.Spec.Blueprint.Services[1].Ports, stax.ServicePort{Name: "http", Port: 9090, Protocol: stax.ProtocolTCP})
		}, "spec.blueprint.services[1].ports[1].name", field.ErrorTypeDuplicate, ""},
		{"unknown protocol", func(e *stax.Environment) { e.Spec.Blueprint.Services[0].Ports[0].Protocol = "SCTP" },
			"spec.blueprint.services[0].ports[0].protocol", field.ErrorTypeNotSupported, ""},
		{"unknown app protocol", func(e *stax.Environment) { e.Spec.Blueprint.Services[0].Ports[0].AppProtocol = "grpc" },
			"spec.blueprint.services[0].ports[0].appProtocol", field.ErrorTypeNotSupported, ""},
		{"http over udp", func(e *stax.Environment) {
			e.Spec.Blueprint.Services[0].Ports[0].Protocol, e.Spec.Blueprint.Services[0].Ports[0].AppProtocol = stax.ProtocolUDP, stax.AppProtocolHTTP
		}, "spec.blueprint.services[0].ports[0].appProtocol", field.ErrorTypeNotSupported, ""},
		{"dependsOn unknown service", func(e *stax.Environment) { e.Spec.Blueprint.Services[2].DependsOn = []string{"cache"} },
			"spec.blueprint.services[2].dependsOn[0]", field.ErrorTypeNotFound, ""},
		{"dependsOn itself", func(e *stax.Environment) { e.Spec.Blueprint.Services[2].DependsOn = []string{"web"} },
			"spec.blueprint.services[2].dependsOn[0]", field.ErrorTypeInvalid, "itself"},
		{"dependsOn duplicate", func(e *stax.Environment) { e.Spec.Blueprint.Services[2].DependsOn = []string{"api", "api"} },
			"spec.blueprint.services[2].dependsOn[1]", field.ErrorTypeDuplicate, ""},
		{"dependency cycle names the cycle", func(e *stax.Environment) { e.Spec.Blueprint.Services[0].DependsOn = []string{"web"} },
			"spec.blueprint.services", field.ErrorTypeInvalid, "db -> web -> api -> db"},
		{"negative replicas", func(e *stax.Environment) { e.Spec.Blueprint.Services[1].Replicas = int32p(-1) },
			"spec.blueprint.services[1].replicas", field.ErrorTypeInvalid, "greater than or equal to 0"},
		{"neither image nor command", func(e *stax.Environment) { e.Spec.Blueprint.Services[2].Image = "" },
			"spec.blueprint.services[2].image", field.ErrorTypeRequired, "an image, a command or a stub"},
		{"malformed quantity", func(e *stax.Environment) {
			e.Spec.Blueprint.Services[0].Resources.Limits["memory"] = intstr.FromString("lots")
		}, "spec.blueprint.services[0].resources.limits[memory]", field.ErrorTypeInvalid, "quantity"},
		{"negative quantity", func(e *stax.Environment) {
			e.Spec.Blueprint.Services[0].Resources.Requests["cpu"] = intstr.FromString("-1")
		}, "spec.blueprint.services[0].resources.requests[cpu]", field.ErrorTypeInvalid, "greater than or equal to 0"},
		{"request above limit", func(e *stax.Environment) {
			e.Spec.Blueprint.Services[0].Resources.Requests["memory"] = intstr.FromString("1Gi")
		}, "spec.blueprint.services[0].resources.requests[memory]", field.ErrorTypeInvalid, "memory limit"},
		{"invalid env var name", func(e *stax.Environment) { e.Spec.Blueprint.Services[1].Env[0].Name = "1=x" },
			"spec.blueprint.services[1].env[0].name", field.ErrorTypeInvalid, ""},
		{"health probe names unknown port", func(e *stax.Environment) {
			e.Spec.Blueprint.Services[0].Health.TCP.Port = intstr.FromString("nope")
		}, "spec.blueprint.services[0].health.tcp.port", field.ErrorTypeNotFound, ""},
		{"health probe with both kinds", func(e *stax.Environment) {
			e.Spec.Blueprint.Services[1].Health.TCP = &stax.TCPHealthCheck{Port: intstr.FromInt32(8080)}
		}, "spec.blueprint.services[1].health.tcp", field.ErrorTypeForbidden, ""},
		{"health probe with no kind", func(e *stax.Environment) {
			e.Spec.Blueprint.Services[0].Health.TCP = nil
		}, "spec.blueprint.services[0].health", field.ErrorTypeRequired, ""},
		{"health path without slash", func(e *stax.Environment) { e.Spec.Blueprint.Services[1].Health.HTTP.Path = "healthz" },
			"spec.blueprint.services[1].health.http.path", field.ErrorTypeInvalid, ""},
		{"health period zero", func(e *stax.Environment) { e.Spec.Blueprint.Services[1].Health.PeriodSeconds = 0 },
			"spec.blueprint.services[1].health.periodSeconds", field.ErrorTypeInvalid, ""},
		{"idle timeout not positive", func(e *stax.Environment) {
			e.Spec.AutoShutdown = &stax.AutoShutdown{IdleTimeout: &metav1.Duration{Duration: -time.Minute}}
		}, "spec.autoShutdown.idleTimeout", field.ErrorTypeInvalid, ""},
		{"baseline name invalid", func(e *stax.Environment) { e.Spec.BaselineRef = &stax.BaselineReference{Name: "Not_Valid"} },
			"spec.baselineRef.name", field.ErrorTypeInvalid, ""},
		{"environment name invalid", func(e *stax.Environment) { e.Name = "Shop!" },
			"metadata.name", field.ErrorTypeInvalid, ""},
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

func TestBaselineRefImmutable(t *testing.T) {
	old := validEnvironment()
	old.ResourceVersion = "1"
	old.Spec.BaselineRef = &stax.BaselineReference{Name: "main"}
	changed := old.DeepCopy()
	changed.Spec.BaselineRef.Name = "other"
	if errs := ValidateEnvironmentUpdate(changed, old, nil, DefaultLimits); !hasError(errs, "spec.baselineRef", field.ErrorTypeInvalid, "immutable") {
		t.Fatalf("changing baselineRef: want immutable error, got %v", errs)
	}
	cleared := old.DeepCopy()
	cleared.Spec.BaselineRef = nil
	if errs := ValidateEnvironmentUpdate(cleared, old, nil, DefaultLimits); !hasError(errs, "spec.baselineRef", field.ErrorTypeInvalid, "immutable") {
		t.Fatalf("clearing baselineRef: want immutable error, got %v", errs)
	}
	renamed := old.DeepCopy()
	renamed.Spec.DisplayName = "Renamed"
	if errs := ValidateEnvironmentUpdate(renamed, old, nil, DefaultLimits); len(errs) != 0 {
		t.Fatalf("changing displayName refused: %v", errs)
	}
}

func TestStatusValidation(t *testing.T) {
	old := validEnvironment()
	old.ResourceVersion = "1"
	bad := old.DeepCopy()
	bad.Status.Phase = "Sleeping"
	if errs := ValidateEnvironmentStatusUpdate(bad, old); !hasError(errs, "status.phase", field.ErrorTypeNotSupported, "") {
		t.Fatalf("unknown phase: got %v", errs)
	}
	badCond := old.DeepCopy()
	badCond.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: "Maybe", Reason: "X", LastTransitionTime: metav1.Now()}}
	if errs := ValidateEnvironmentStatusUpdate(badCond, old); !hasError(errs, "status.conditions[0].status", field.ErrorTypeNotSupported, "") {
		t.Fatalf("bad condition status: got %v", errs)
	}
}

func TestFindCycleIsStableAndMinimalInput(t *testing.T) {
	svcs := []stax.ServiceSpec{
		{Name: "a", DependsOn: []string{"b"}},
		{Name: "b", DependsOn: []string{"c"}},
		{Name: "c", DependsOn: []string{"b"}},
	}
	got := strings.Join(findCycle(svcs), " -> ")
	if got != "b -> c -> b" {
		t.Fatalf("cycle = %q, want b -> c -> b", got)
	}
	if c := findCycle(svcs[:1]); c != nil {
		t.Fatalf("dangling dependency reported as a cycle: %v", c)
	}
}

func hasError(errs field.ErrorList, path string, typ field.ErrorType, detail string) bool {
	for _, e := range errs {
		if e.Field == path && e.Type == typ && strings.Contains(e.Error(), detail) {
			return true
		}
	}
	return false
}
