package validation

import (
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	apimachineryvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/runtime"
)

// Bounds of a drift policy.
const (
	MaxDriftGracePeriod = 24 * time.Hour
	MaxDriftIgnoreRules = 32
	// MaxDriftIgnoreNames bounds each list of a rule.
	MaxDriftIgnoreNames = 100
)

// ValidateDriftPolicy checks an organization's drift policy: a known mode, a
// grace period of 0 to 24h, ignore rules that name services (DNS-1123
// labels) and known drift fields, and never ignore everything (that is mode
// off).
func ValidateDriftPolicy(p *stax.DriftPolicy, fldPath *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	var allErrs field.ErrorList
	switch p.Mode {
	case stax.DriftOff, stax.DriftDetect, stax.DriftRemediate:
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("mode"), p.Mode,
			[]stax.DriftMode{stax.DriftOff, stax.DriftDetect, stax.DriftRemediate}))
	}
	if g := p.GracePeriod; g != nil && (g.Duration < 0 || g.Duration > MaxDriftGracePeriod) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("gracePeriod"), g.Duration.String(), "must be between 0s and 24h"))
	}
	ignore := fldPath.Child("ignore")
	if len(p.Ignore) > MaxDriftIgnoreRules {
		allErrs = append(allErrs, field.TooMany(ignore, len(p.Ignore), MaxDriftIgnoreRules))
		return allErrs
	}
	known := sets.New(runtime.DriftFields...)
	for i, r := range p.Ignore {
		rp := ignore.Index(i)
		if len(r.Services) == 0 && len(r.Fields) == 0 {
			allErrs = append(allErrs, field.Required(rp, "a rule names services, fields or both; to ignore all drift set mode off"))
		}
		for name, list := range map[string][]string{"services": r.Services, "fields": r.Fields} {
			if len(list) > MaxDriftIgnoreNames {
				allErrs = append(allErrs, field.TooMany(rp.Child(name), len(list), MaxDriftIgnoreNames))
			}
		}
		for j, s := range r.Services {
			for _, msg := range apimachineryvalidation.IsDNS1123Label(s) {
				allErrs = append(allErrs, field.Invalid(rp.Child("services").Index(j), s, msg))
			}
			if slices.Index(r.Services, s) < j {
				allErrs = append(allErrs, field.Duplicate(rp.Child("services").Index(j), s))
			}
		}
		for j, f := range r.Fields {
			if !known.Has(f) {
				allErrs = append(allErrs, field.NotSupported(rp.Child("fields").Index(j), f, runtime.DriftFields))
			} else if slices.Index(r.Fields, f) < j {
				allErrs = append(allErrs, field.Duplicate(rp.Child("fields").Index(j), f))
			}
		}
	}
	return allErrs
}

// validateEnvironmentDrift bounds the drift history a status may hold.
func validateEnvironmentDrift(d *stax.EnvironmentDrift, fldPath *field.Path) field.ErrorList {
	if d == nil {
		return nil
	}
	var allErrs field.ErrorList
	if len(d.History) > stax.MaxDriftHistory {
		allErrs = append(allErrs, field.TooMany(fldPath.Child("history"), len(d.History), stax.MaxDriftHistory))
	}
	if d.Remediations < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("remediations"), d.Remediations, "must be greater than or equal to 0"))
	}
	return allErrs
}
