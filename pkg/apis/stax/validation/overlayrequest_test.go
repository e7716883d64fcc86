package validation

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

func TestValidateOverlayRequest(t *testing.T) {
	base := &validEnvironment().Spec.Blueprint // db, api, web
	request := func(services ...stax.ServiceChange) *stax.OverlayRequest {
		return &stax.OverlayRequest{Spec: stax.OverlayRequestSpec{Name: "feature", Services: services}}
	}
	for _, tc := range []struct {
		name   string
		req    *stax.OverlayRequest
		path   string
		typ    field.ErrorType
		detail string
	}{
		{name: "a change to a baseline service", req: request(stax.ServiceChange{Name: "api", Image: "api:2"})},
		{name: "a whole new service", req: request(stax.ServiceChange{Name: "cache", Command: []string{"./cache"},
			Ports: []stax.ServicePort{{Name: "tcp", Port: 6379}}, DependsOn: []string{"db"}})},
		{name: "a baseline service made a stub", req: request(stax.ServiceChange{Name: "api", Stub: &stax.StubServiceSource{Name: "api"}})},
		{name: "a new stub service", req: request(stax.ServiceChange{Name: "pets", Stub: &stax.StubServiceSource{Name: "petstore"}})},
		{name: "metadata.name is the baseline's", req: func() *stax.OverlayRequest {
			r := request(stax.ServiceChange{Name: "api", Image: "api:2"})
			r.Name = "main"
			return r
		}()},

		{name: "another metadata.name", req: func() *stax.OverlayRequest {
			r := request(stax.ServiceChange{Name: "api", Image: "api:2"})
			r.Name = "other"
			return r
		}(), path: "metadata.name", typ: field.ErrorTypeInvalid, detail: "name of the baseline (main)"},
		{name: "no name", req: func() *stax.OverlayRequest {
			r := request(stax.ServiceChange{Name: "api", Image: "api:2"})
			r.Spec.Name = ""
			return r
		}(), path: "spec.name", typ: field.ErrorTypeRequired},
		{name: "a bad name", req: func() *stax.OverlayRequest {
			r := request(stax.ServiceChange{Name: "api", Image: "api:2"})
			r.Spec.Name = "Feature_A"
			return r
		}(), path: "spec.name", typ: field.ErrorTypeInvalid},
		{name: "no change", req: request(), path: "spec.services", typ: field.ErrorTypeRequired, detail: "at least one service"},
		{name: "a change without a service name", req: request(stax.ServiceChange{Image: "x:1"}),
			path: "spec.services[0].name", typ: field.ErrorTypeRequired},
		{name: "a service changed twice", req: request(stax.ServiceChange{Name: "api", Image: "api:2"}, stax.ServiceChange{Name: "api", Image: "api:3"}),
			path: "spec.services[1].name", typ: field.ErrorTypeDuplicate},
		{name: "the ports of a baseline service", req: request(stax.ServiceChange{Name: "api", Image: "api:2", Ports: []stax.ServicePort{{Name: "http", Port: 9090}}}),
			path: "spec.services[0].ports", typ: field.ErrorTypeForbidden, detail: "keeps its ports"},
		{name: "the dependsOn of a baseline service", req: request(stax.ServiceChange{Name: "web", DependsOn: []string{}}),
			path: "spec.services[0].dependsOn", typ: field.ErrorTypeForbidden, detail: "keeps its dependsOn"},
		{name: "a change that sets nothing", req: request(stax.ServiceChange{Name: "db"}),
			path: "spec.services[0]", typ: field.ErrorTypeRequired, detail: "at least one of image"},
		{name: "an incomplete new service", req: request(stax.ServiceChange{Name: "cache", Env: []stax.EnvVar{{Name: "A", Value: "1"}}}),
			path: "spec.services[0].image", typ: field.ErrorTypeRequired, detail: `the baseline has no service "cache"`},
		{name: "a variable twice", req: request(stax.ServiceChange{Name: "api", Env: []stax.EnvVar{{Name: "A", Value: "1"}, {Name: "A", Value: "2"}}}),
			path: "spec.services[0].env[1].name", typ: field.ErrorTypeDuplicate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateOverlayRequest(tc.req, "main", base)
			if tc.path == "" {
				if len(errs) != 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if !hasError(errs, tc.path, tc.typ, tc.detail) {
				t.Fatalf("want %s at %s (%q), got %v", tc.typ, tc.path, tc.detail, errs)
			}
		})
	}
}
