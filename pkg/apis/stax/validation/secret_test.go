package validation

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

func TestEnvValueFrom(t *testing.T) {
	ref := func(name, key string) *stax.EnvVarSource {
		return &stax.EnvVarSource{SecretRef: &stax.SecretKeyReference{Name: name, Key: key}}
	}
	const p = "spec.blueprint.services[1].env[1]"
	for _, c := range []struct {
		env  stax.EnvVar
		path string
		typ  field.ErrorType
	}{
		{stax.EnvVar{Name: "DB", Value: "x", ValueFrom: ref("db", "password")}, p + ".value", field.ErrorTypeInvalid},
		{stax.EnvVar{Name: "DB", ValueFrom: &stax.EnvVarSource{}}, p + ".valueFrom.secretRef", field.ErrorTypeRequired},
		{stax.EnvVar{Name: "DB", ValueFrom: ref("", "password")}, p + ".valueFrom.secretRef.name", field.ErrorTypeRequired},
		{stax.EnvVar{Name: "DB", ValueFrom: ref("Bad_Name", "password")}, p + ".valueFrom.secretRef.name", field.ErrorTypeInvalid},
		{stax.EnvVar{Name: "DB", ValueFrom: ref("db", "")}, p + ".valueFrom.secretRef.key", field.ErrorTypeRequired},
		{stax.EnvVar{Name: "DB", ValueFrom: ref("db", "a b")}, p + ".valueFrom.secretRef.key", field.ErrorTypeInvalid},
	} {
		env := validEnvironment()
		api := &env.Spec.Blueprint.Services[1]
		api.Env = append(api.Env, c.env)
		if errs := ValidateEnvironment(env, nil, DefaultLimits); !hasError(errs, c.path, c.typ, "") {
			t.Errorf("%+v: want %s %s, got %v", c.env, c.typ, c.path, errs)
		}
	}
	env := validEnvironment()
	api := &env.Spec.Blueprint.Services[1]
	api.Env = append(api.Env, stax.EnvVar{Name: "DB", ValueFrom: ref("db", "password")})
	if errs := ValidateEnvironment(env, nil, DefaultLimits); len(errs) != 0 {
		t.Errorf("a valid secretRef refused: %v", errs)
	}
}
