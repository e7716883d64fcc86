package validation

import (
	"fmt"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// Bounds of a Secret: MaxSecretKeys keys, and MaxSecretBytes of keys and
// values together (the total a core Secret may hold is 1 MiB; ours are for
// a few variables, so far less).
const (
	MaxSecretKeys  = 64
	MaxSecretBytes = 64 << 10
)

// ValidateSecret checks a new Secret: keys as Kubernetes Secret keys, and
// the bounds above.
func ValidateSecret(s *stax.Secret) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&s.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, validateSecretData(s.Data, field.NewPath("data"))...)
}

// ValidateSecretUpdate checks a changed Secret.
func ValidateSecretUpdate(s, old *stax.Secret) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&s.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, validateSecretData(s.Data, field.NewPath("data"))...)
}

// validateSecretData never puts a value into an error: errors are answered
// and logged.
func validateSecretData(data map[string]string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(data) > MaxSecretKeys {
		allErrs = append(allErrs, field.TooMany(fldPath, len(data), MaxSecretKeys))
	}
	total := 0
	for k, v := range data {
		total += len(k) + len(v)
		for _, msg := range utilvalidation.IsConfigMapKey(k) {
			allErrs = append(allErrs, field.Invalid(fldPath.Key(k), k, msg))
		}
	}
	if total > MaxSecretBytes {
		allErrs = append(allErrs, field.TooLong(fldPath, fmt.Sprintf("%d bytes of keys and values", total), MaxSecretBytes))
	}
	return allErrs
}

// validateEnvVarValue checks that a variable has exactly one of value and
// valueFrom, and that a secretRef names a Secret and a key.
func validateEnvVarValue(ev stax.EnvVar, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if ev.ValueFrom == nil {
		return nil
	}
	from := fldPath.Child("valueFrom")
	if ev.Value != "" {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("value"), "", "may not be set with valueFrom"))
	}
	ref := ev.ValueFrom.SecretRef
	if ref == nil {
		return append(allErrs, field.Required(from.Child("secretRef"), "valueFrom needs a source"))
	}
	p := from.Child("secretRef")
	if ref.Name == "" {
		allErrs = append(allErrs, field.Required(p.Child("name"), ""))
	} else {
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(ref.Name, false) {
			allErrs = append(allErrs, field.Invalid(p.Child("name"), ref.Name, msg))
		}
	}
	if ref.Key == "" {
		allErrs = append(allErrs, field.Required(p.Child("key"), ""))
	} else {
		for _, msg := range utilvalidation.IsConfigMapKey(ref.Key) {
			allErrs = append(allErrs, field.Invalid(p.Child("key"), ref.Key, msg))
		}
	}
	return allErrs
}
