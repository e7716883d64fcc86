package runtime

import (
	"strings"
	"testing"
	"time"
)

func TestPlanValidate(t *testing.T) {
	probe := &HealthCheck{HTTPPath: "/healthz", PortName: "http", Period: time.Second, FailureThreshold: 3}
	valid := func() Plan {
		return Plan{Organization: "acme", Environment: "dev", Services: []ServicePlan{
			{Name: "db", Ports: []Port{{Name: "pg", Port: 5432}}},
			{Name: "api", DependsOn: []string{"db"}, Ports: []Port{{Name: "http", Port: 80}}, Health: probe},
		}}
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid plan refused: %v", err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*Plan)
		want   string
	}{
		{"organization", func(p *Plan) { p.Organization = "../etc" }, `invalid organization name "../etc"`},
		{"environment", func(p *Plan) { p.Environment = "" }, `invalid environment name ""`},
		{"service name", func(p *Plan) { p.Services[0].Name = "DB" }, `invalid service name "DB"`},
		{"duplicate", func(p *Plan) { p.Services[1].Name = "db"; p.Services[1].DependsOn = nil }, `service "db" appears twice`},
		{"replicas", func(p *Plan) { p.Services[0].Replicas = -1 }, `service "db": negative replicas`},
		{"unknown dependency", func(p *Plan) { p.Services[1].DependsOn = []string{"cache"} }, `depends on unknown service "cache"`},
		{"cycle", func(p *Plan) { p.Services[0].DependsOn = []string{"api"} }, "dependency cycle db -> api -> db"},
		{"probe without port", func(p *Plan) { p.Services[1].Ports = nil }, "has a health check but no port"},
		{"probe of a missing port", func(p *Plan) { p.Services[1].Ports[0].Name = "web" }, `health check port "http" is not a port`},
		{"shared and own", func(p *Plan) {
			p.Baseline = &BaselineLink{Environment: "main", Shared: []BaselineService{{Name: "db"}}}
		}, `service "db" is both the overlay's and shared with the baseline`},
		{"baseline environment", func(p *Plan) { p.Baseline = &BaselineLink{Environment: "Main"} }, `invalid baseline environment name "Main"`},
		{"probe without period", func(p *Plan) {
			h := *probe
			h.Period = 0
			p.Services[1].Health = &h
		}, "needs a period and a failure threshold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := valid()
			tc.mutate(&p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// An overlay's services may depend on what it shares with its baseline.
func TestPlanValidateOverlay(t *testing.T) {
	p := Plan{Organization: "acme", Environment: "feature", Services: []ServicePlan{{Name: "api", DependsOn: []string{"db"}}},
		Baseline: &BaselineLink{Environment: "main", Shared: []BaselineService{{Name: "db", Endpoint: "127.0.0.1:5432", Port: 5432}}}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if s, ok := p.Shared("db"); !ok || s.Endpoint != "127.0.0.1:5432" {
		t.Errorf("Shared(db) = %+v, %v", s, ok)
	}
	if _, ok := p.Shared("api"); ok {
		t.Error("an own service is not shared")
	}
}

func TestProbePort(t *testing.T) {
	s := ServicePlan{Name: "api", Ports: []Port{{Name: "http", Port: 80}, {Name: "admin", Port: 81}}}
	for portName, want := range map[string]int{"": 0, "admin": 1} {
		s.Health = &HealthCheck{PortName: portName}
		if got, err := s.ProbePort(); err != nil || got != want {
			t.Errorf("ProbePort(%q) = %d, %v; want %d", portName, got, err, want)
		}
	}
}
