package validation

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

func int64p(i int64) *int64 { return &i }

func TestValidateEnvironmentLogOptions(t *testing.T) {
	env := validEnvironment()
	for _, opts := range []stax.EnvironmentLogOptions{
		{},
		{Service: "api", Replica: int64p(1), TailLines: int64p(0), SinceSeconds: int64p(1), Follow: true},
	} {
		if errs := ValidateEnvironmentLogOptions(&opts, env); len(errs) != 0 {
			t.Errorf("%+v refused: %v", opts, errs)
		}
	}
	for _, c := range []struct {
		opts stax.EnvironmentLogOptions
		path string
		typ  field.ErrorType
	}{
		{stax.EnvironmentLogOptions{Service: "cache"}, "service", field.ErrorTypeNotFound},
		{stax.EnvironmentLogOptions{Replica: int64p(0)}, "service", field.ErrorTypeRequired},
		{stax.EnvironmentLogOptions{Service: "api", Replica: int64p(-1)}, "replica", field.ErrorTypeInvalid},
		{stax.EnvironmentLogOptions{TailLines: int64p(-1)}, "tailLines", field.ErrorTypeInvalid},
		{stax.EnvironmentLogOptions{SinceSeconds: int64p(0)}, "sinceSeconds", field.ErrorTypeInvalid},
	} {
		errs := ValidateEnvironmentLogOptions(&c.opts, env)
		if len(errs) != 1 || errs[0].Field != c.path || errs[0].Type != c.typ {
			t.Errorf("%+v: want one %s at %s, got %v", c.opts, c.typ, c.path, errs)
		}
	}
}

func TestValidateEnvironmentAction(t *testing.T) {
	if errs := ValidateEnvironmentAction(&stax.EnvironmentAction{}, "shop"); len(errs) != 0 {
		t.Errorf("an empty action refused: %v", errs)
	}
	if errs := ValidateEnvironmentAction(&stax.EnvironmentAction{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, "shop"); len(errs) != 0 {
		t.Errorf("an action naming its environment refused: %v", errs)
	}
	errs := ValidateEnvironmentAction(&stax.EnvironmentAction{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, "shop")
	if len(errs) != 1 || errs[0].Field != "metadata.name" {
		t.Errorf("an action naming another environment: %v", errs)
	}
}
