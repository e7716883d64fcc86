package validation

import (
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// ValidateBaseline checks a new Baseline. That its environment exists and
// is Ready is the registry's check: it needs a read of the environment.
func ValidateBaseline(b *stax.Baseline) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&b.ObjectMeta, true,
		apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, validateEnvironmentRef(b.Spec.EnvironmentRef, field.NewPath("spec", "environmentRef"))...)
}

// ValidateBaselineUpdate checks a change to a Baseline: its spec never
// changes (promoting again makes a new Baseline).
func ValidateBaselineUpdate(b, old *stax.Baseline) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&b.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, apimachineryvalidation.ValidateImmutableField(b.Spec, old.Spec, field.NewPath("spec"))...)
}

// ValidateBaselineStatusUpdate checks a change through baselines/status.
func ValidateBaselineStatusUpdate(b, old *stax.Baseline) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&b.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	if b.Status.Overlays < 0 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("status", "overlays"), b.Status.Overlays, "must not be negative"))
	}
	return allErrs
}

func validateEnvironmentRef(ref stax.EnvironmentReference, fldPath *field.Path) field.ErrorList {
	if ref.Name == "" {
		return field.ErrorList{field.Required(fldPath.Child("name"), "the environment to promote")}
	}
	var allErrs field.ErrorList
	for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(ref.Name, false) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), ref.Name, msg))
	}
	return allErrs
}
