package kubernetes

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/microstax/stax/pkg/runtime"
)

func testPlan() runtime.Plan {
	return runtime.Plan{Organization: "acme", Environment: "dev", Services: []runtime.ServicePlan{
		{Name: "db", Image: "postgres:17", Ports: []runtime.Port{{Name: "pg", Port: 5432}}},
		{Name: "api", Image: "api:1", Replicas: 2, DependsOn: []string{"db"},
			Env:      []runtime.EnvVar{{Name: "PORT", Value: "1"}, {Name: "MODE", Value: "x"}},
			Ports:    []runtime.Port{{Name: "http", Port: 8080}, {Name: "admin", Port: 9090}},
			Requests: runtime.ResourceList{"cpu": resource.MustParse("250m"), "memory": resource.MustParse("64Mi")},
			Limits:   runtime.ResourceList{"memory": resource.MustParse("128Mi")},
			Health:   &runtime.HealthCheck{HTTPPath: "/healthz", PortName: "admin", Period: 5 * time.Second, FailureThreshold: 4}},
	}}
}

func TestValidateRefusesServiceWithoutImage(t *testing.T) {
	p := testPlan()
	p.Services[1].Image = ""
	err := validate(p)
	if err == nil || !strings.Contains(err.Error(), "service api has no image") {
		t.Fatalf("got %v", err)
	}
	p = testPlan()
	p.Services[1].DependsOn = []string{"cache"}
	if err := validate(p); err == nil || !strings.Contains(err.Error(), `depends on unknown service "cache"`) {
		t.Fatalf("unknown dependency: got %v", err)
	}
}

func TestContainer(t *testing.T) {
	p := testPlan()
	c := container(p, p.Services[1], "stax-acme-dev")
	env := map[string]string{}
	var names []string
	for _, e := range c.Env {
		env[*e.Name] = *e.Value
		names = append(names, *e.Name)
	}
	// The runtime's PORT wins over the blueprint's and appears once.
	if env["PORT"] != "8080" || strings.Count(","+strings.Join(names, ",")+",", ",PORT,") != 1 {
		t.Errorf("PORT: %v", names)
	}
	if env["PORT_HTTP"] != "8080" || env["PORT_ADMIN"] != "9090" {
		t.Errorf("named ports: %v", env)
	}
	if env["DB_URL"] != "http://db.stax-acme-dev.svc:5432" || env["MODE"] != "x" || env["STAX_SERVICE"] != "api" {
		t.Errorf("env: %v", env)
	}
	if q := c.Resources.Requests.Cpu(); q.MilliValue() != 250 {
		t.Errorf("cpu request: %v", q)
	}
	if q := c.Resources.Limits.Memory(); q.Value() != 128<<20 {
		t.Errorf("memory limit: %v", q)
	}
	pr := c.ReadinessProbe
	if pr.HTTPGet == nil || *pr.HTTPGet.Path != "/healthz" || pr.HTTPGet.Port.IntValue() != 9090 ||
		*pr.PeriodSeconds != 5 || *pr.FailureThreshold != 4 {
		t.Errorf("probe: %+v", pr)
	}
	tcp := container(p, runtime.ServicePlan{Name: "db", Image: "x", Ports: p.Services[0].Ports,
		Health: &runtime.HealthCheck{}}, "ns").ReadinessProbe
	if tcp.TCPSocket == nil || tcp.TCPSocket.Port.IntValue() != 5432 {
		t.Errorf("tcp probe: %+v", tcp)
	}
}

func TestDeploymentSelectsItsPods(t *testing.T) {
	p := testPlan()
	d := deployment(p, p.Services[1], "ns", 2)
	sel := d.Spec.Selector.MatchLabels
	if sel[LabelOrganization] != "acme" || sel[LabelEnvironment] != "dev" || sel[LabelService] != "api" {
		t.Errorf("selector: %v", sel)
	}
	for k, v := range sel {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("template lacks %s=%s", k, v)
		}
	}
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas %d", *d.Spec.Replicas)
	}
}
