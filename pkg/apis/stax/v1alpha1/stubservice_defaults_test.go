package v1alpha1

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestStubServiceDefaults(t *testing.T) {
	env := &Environment{Spec: EnvironmentSpec{Blueprint: Blueprint{Services: []ServiceSpec{
		{Name: "pets", Stub: &StubServiceSource{Name: "petstore"}},
		{Name: "own", Stub: &StubServiceSource{Name: "petstore"}, Ports: []ServicePort{{Name: "api", Port: 9000}},
			Health: &HealthCheck{TCP: &TCPHealthCheck{Port: intstr.FromString("api")}}},
		{Name: "web", Image: "web:1"},
	}}}}
	SetObjectDefaults_Environment(env)
	pets := env.Spec.Blueprint.Services[0]
	if len(pets.Ports) != 1 || pets.Ports[0] != (ServicePort{Name: "http", Port: 8080, Protocol: ProtocolTCP, AppProtocol: AppProtocolHTTP}) {
		t.Errorf("stub ports: %+v", pets.Ports)
	}
	if h := pets.Health; h == nil || h.HTTP == nil || h.HTTP.Path != StubHealthPath || h.HTTP.Port.StrVal != "http" ||
		h.PeriodSeconds != 10 || h.FailureThreshold != 3 {
		t.Errorf("stub health: %+v", h)
	}
	own := env.Spec.Blueprint.Services[1]
	if len(own.Ports) != 1 || own.Ports[0].Port != 9000 || own.Health.TCP == nil || own.Health.HTTP != nil {
		t.Errorf("a stub's own ports and probe were replaced: %+v", own)
	}
	if web := env.Spec.Blueprint.Services[2]; len(web.Ports) != 0 || web.Health != nil {
		t.Errorf("a service that is no stub got stub defaults: %+v", web)
	}
}
