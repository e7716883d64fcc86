package validation

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

func TestStubService(t *testing.T) {
	stub := func(change func(s *stax.ServiceSpec)) *stax.Environment {
		env := validEnvironment()
		api := &env.Spec.Blueprint.Services[1]
		api.Command, api.Image, api.Stub = nil, "", &stax.StubServiceSource{Name: "petstore"}
		change(api)
		return env
	}
	const p = "spec.blueprint.services[1]"
	if errs := ValidateEnvironment(stub(func(*stax.ServiceSpec) {}), nil, DefaultLimits); len(errs) != 0 {
		t.Fatalf("a valid stub service refused: %v", errs)
	}
	for _, c := range []struct {
		name   string
		change func(s *stax.ServiceSpec)
		path   string
		typ    field.ErrorType
	}{
		{"with a command", func(s *stax.ServiceSpec) { s.Command = []string{"./api"} }, p + ".command", field.ErrorTypeForbidden},
		{"with an image", func(s *stax.ServiceSpec) { s.Image = "api:1" }, p + ".image", field.ErrorTypeForbidden},
		{"with args", func(s *stax.ServiceSpec) { s.Args = []string{"--seed=1"} }, p + ".args", field.ErrorTypeForbidden},
		{"without a name", func(s *stax.ServiceSpec) { s.Stub.Name = "" }, p + ".stub.name", field.ErrorTypeRequired},
		{"with a bad name", func(s *stax.ServiceSpec) { s.Stub.Name = "Pet.Store" }, p + ".stub.name", field.ErrorTypeInvalid},
		{"without ports", func(s *stax.ServiceSpec) { s.Ports, s.Health = nil, nil }, p + ".ports", field.ErrorTypeRequired},
		{"on UDP", func(s *stax.ServiceSpec) { s.Ports[0].Protocol = stax.ProtocolUDP }, p + ".ports[0].protocol", field.ErrorTypeNotSupported},
		{"neither stub, image nor command", func(s *stax.ServiceSpec) { s.Stub = nil }, p + ".image", field.ErrorTypeRequired},
	} {
		if errs := ValidateEnvironment(stub(c.change), nil, DefaultLimits); !hasError(errs, c.path, c.typ, "") {
			t.Errorf("%s: want %s %s, got %v", c.name, c.typ, c.path, errs)
		}
	}
}
