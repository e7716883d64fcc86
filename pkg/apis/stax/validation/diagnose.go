package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// MaxDiagnosisTailLines bounds spec.tailLines of a Diagnosis: the lines
// read of each service, kept in memory while the analyzers run.
const MaxDiagnosisTailLines = 5000

// ValidateDiagnosis checks the body of POST environments/{name}/diagnose.
func ValidateDiagnosis(d *stax.Diagnosis, name string) field.ErrorList {
	var errs field.ErrorList
	if d.Name != "" && d.Name != name {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), d.Name,
			"must be empty or the name of the environment ("+name+")"))
	}
	spec := field.NewPath("spec")
	if d.Spec.DryRun && !d.Spec.Remediate {
		errs = append(errs, field.Invalid(spec.Child("dryRun"), true, "needs spec.remediate: a dry run says what remediate would change"))
	}
	if t := d.Spec.TailLines; t != nil && (*t < 1 || *t > MaxDiagnosisTailLines) {
		errs = append(errs, field.Invalid(spec.Child("tailLines"), *t, "must be between 1 and 5000"))
	}
	return errs
}
