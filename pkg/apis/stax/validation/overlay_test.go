package validation

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// overlayOf is an overlay of validEnvironment's blueprint (web -> api -> db)
// that brings its own services.
func overlayOf(services ...stax.ServiceSpec) *stax.Environment {
	env := validEnvironment()
	env.Name = "feature"
	env.Spec.BaselineRef = &stax.BaselineReference{Name: "main"}
	env.Spec.Blueprint.Services = services
	return env
}

func TestOverlayValidatedAgainstItsBase(t *testing.T) {
	base := &validEnvironment().Spec.Blueprint
	api := stax.ServiceSpec{Name: "api", Command: []string{"./api-v2"}, DependsOn: []string{"db"}}

	t.Run("dependencies on baseline services", func(t *testing.T) {
		if errs := ValidateEnvironment(overlayOf(api), base, DefaultLimits); len(errs) != 0 {
			t.Fatalf("an overlay's api on the baseline's db: %v", errs)
		}
		// The same blueprint outside an overlay has no db to depend on.
		plain := overlayOf(api)
		plain.Spec.BaselineRef = nil
		if errs := ValidateEnvironment(plain, base, DefaultLimits); !hasError(errs, "spec.blueprint.services[0].dependsOn[0]", field.ErrorTypeNotFound, "") {
			t.Fatalf("not an overlay: want db not found, got %v", errs)
		}
	})

	t.Run("a service neither has", func(t *testing.T) {
		cache := stax.ServiceSpec{Name: "cache", Command: []string{"./cache"}, DependsOn: []string{"redis"}}
		if errs := ValidateEnvironment(overlayOf(cache), base, DefaultLimits); !hasError(errs, "spec.blueprint.services[0].dependsOn[0]", field.ErrorTypeNotFound, "") {
			t.Fatalf("want redis not found, got %v", errs)
		}
	})

	t.Run("a cycle through baseline services", func(t *testing.T) {
		// The baseline's web depends on api; an overlay's api that depends
		// on web closes the loop web -> api -> web.
		loop := stax.ServiceSpec{Name: "api", Command: []string{"./api-v2"}, DependsOn: []string{"web"}}
		if errs := ValidateEnvironment(overlayOf(loop), base, DefaultLimits); !hasError(errs, "spec.blueprint.services", field.ErrorTypeInvalid, "cycle") {
			t.Fatalf("want a cycle, got %v", errs)
		}
	})

	t.Run("an own service replaces the baseline's in the graph", func(t *testing.T) {
		// The baseline's api depends on db; the overlay's api does not, so
		// db may now depend on api.
		newAPI := stax.ServiceSpec{Name: "api", Command: []string{"./api-v2"}}
		db := stax.ServiceSpec{Name: "db", Command: []string{"./db"}, DependsOn: []string{"api"}}
		if errs := ValidateEnvironment(overlayOf(newAPI, db), base, DefaultLimits); len(errs) != 0 {
			t.Fatalf("%v", errs)
		}
	})

	t.Run("an update ratchets on dependencies of a baseline that is gone", func(t *testing.T) {
		old := overlayOf(api)
		old.ResourceVersion = "7"
		changed := overlayOf(api)
		changed.ResourceVersion = "7"
		changed.Labels = map[string]string{"team": "a"}
		if errs := ValidateEnvironmentUpdate(changed, old, nil, DefaultLimits); len(errs) != 0 {
			t.Fatalf("updating an overlay whose baseline is gone: %v", errs)
		}
		grown := overlayOf(stax.ServiceSpec{Name: "api", Command: []string{"./api-v2"}, DependsOn: []string{"db", "web"}})
		grown.ResourceVersion = "7"
		if errs := ValidateEnvironmentUpdate(grown, old, nil, DefaultLimits); !hasError(errs, "spec.blueprint.services[0].dependsOn[1]", field.ErrorTypeNotFound, "") {
			t.Fatalf("a new dependency is checked: %v", errs)
		}
	})
}
