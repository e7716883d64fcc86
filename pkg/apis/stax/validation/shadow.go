package validation

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// Bounds of shadow settings.
const (
	// MaxShadowIgnores bounds each of ignore.fields and ignore.headers.
	MaxShadowIgnores = 64
	// MaxShadowIgnoreLength bounds one ignored path or header name.
	MaxShadowIgnoreLength = 256
)

// SafeMethods change nothing on the server (RFC 9110 §9.2.1): they are
// mirrored without allowUnsafe.
var SafeMethods = sets.New("GET", "HEAD", "OPTIONS", "TRACE")

// unsafeMethods are the other methods a front can mirror. CONNECT opens a
// tunnel, which has no answer to compare.
var unsafeMethods = sets.New("POST", "PUT", "PATCH", "DELETE")

var (
	// ignoredField is a field as the diffs name it: status, or body and a
	// JSON path below it ("body.items[*].id").
	ignoredField = regexp.MustCompile(`^(status|body(\.[^.\[\]]+|\[(\*|[0-9]+)\])*)$`)
	// headerName is an HTTP field name (RFC 9110 §5.1, a token).
	headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	// percentage is a plain non-negative decimal.
	percentage = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,6})?$`)
)

// unsafeRisk is why allowUnsafe is asked for: said once, in every refusal.
const unsafeRisk = "a mirrored write reaches whatever the overlay shares with the baseline, its database first"

// validateShadow checks spec.shadow of an Environment. Shadow traffic
// needs an overlay; each service it names must be one the overlay changes
// (its own and also the baseline's, base; with base nil, the baseline
// being gone, its own). Unsafe methods need allowUnsafe.
func validateShadow(spec *stax.EnvironmentSpec, base *stax.Blueprint, fldPath *field.Path) field.ErrorList {
	s := spec.Shadow
	if s == nil {
		return nil
	}
	if spec.BaselineRef == nil {
		return field.ErrorList{field.Forbidden(fldPath,
			"shadow traffic is mirrored from a baseline to an overlay: this environment is not an overlay (it has no spec.baselineRef)")}
	}
	var allErrs field.ErrorList
	if p := s.Percent; p != nil && (*p < 0 || *p > 100) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("percent"), *p, "must be between 0 and 100"))
	}
	allErrs = append(allErrs, validateShadowServices(s, &spec.Blueprint, base, fldPath.Child("services"))...)
	allErrs = append(allErrs, validateShadowMethods(s, fldPath.Child("methods"))...)
	if ig := s.Ignore; ig != nil {
		allErrs = append(allErrs, validateIgnored(ig.Fields, ignoredField, `"status", "body" or a JSON path below it such as "body.items[*].id"`, fldPath.Child("ignore", "fields"))...)
		allErrs = append(allErrs, validateIgnored(ig.Headers, headerName, "an HTTP header name", fldPath.Child("ignore", "headers"))...)
	}
	if l := s.Limit; l != nil {
		p := fldPath.Child("limit")
		if l.Duration == nil && l.Requests == nil {
			allErrs = append(allErrs, field.Required(p, "a limit sets duration, requests or both"))
		}
		if l.Duration != nil && l.Duration.Duration <= 0 {
			allErrs = append(allErrs, field.Invalid(p.Child("duration"), l.Duration.Duration.String(), "must be greater than zero"))
		}
		if l.Requests != nil && *l.Requests < 1 {
			allErrs = append(allErrs, field.Invalid(p.Child("requests"), *l.Requests, "must be at least 1"))
		}
	}
	if t := s.Thresholds; t != nil {
		p := fldPath.Child("thresholds")
		allErrs = append(allErrs, validatePercentage(t.RelativePercent, -1, p.Child("relativePercent"))...)
		allErrs = append(allErrs, validatePercentage(t.AbsolutePercent, 100, p.Child("absolutePercent"))...)
	}
	return allErrs
}

func validateShadowServices(s *stax.ShadowSpec, own, base *stax.Blueprint, fldPath *field.Path) field.ErrorList {
	ownNames, baseNames := serviceNames(own), serviceNames(base)
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for i, name := range s.Services {
		p := fldPath.Index(i)
		switch {
		case seen.Has(name):
			allErrs = append(allErrs, field.Duplicate(p, name))
		case !ownNames.Has(name):
			allErrs = append(allErrs, field.Invalid(p, name, "not a service the overlay changes: the overlay runs "+listOrNone(sets.List(ownNames))))
		case base != nil && !baseNames.Has(name):
			allErrs = append(allErrs, field.Invalid(p, name, "a service the overlay adds, not one it changes: the baseline has no traffic for it to mirror"))
		}
		seen.Insert(name)
	}
	if len(s.Services) == 0 && s.Enabled && base != nil &&
		len(stax.ShadowServices(nil, sets.List(ownNames), sets.List(baseNames))) == 0 {
		allErrs = append(allErrs, field.Invalid(fldPath, s.Services,
			"the overlay changes no service of its baseline (it only adds "+listOrNone(sets.List(ownNames))+"): there is no traffic to mirror"))
	}
	return allErrs
}

func validateShadowMethods(s *stax.ShadowSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for i, m := range s.Methods {
		p := fldPath.Index(i)
		switch {
		case seen.Has(m):
			allErrs = append(allErrs, field.Duplicate(p, m))
		case SafeMethods.Has(m):
		case unsafeMethods.Has(m):
			if !s.AllowUnsafe {
				allErrs = append(allErrs, field.Forbidden(p, fmt.Sprintf("%s changes state: mirroring it needs allowUnsafe: true (%s)", m, unsafeRisk)))
			}
		default:
			allErrs = append(allErrs, field.NotSupported(p, m, append(sets.List(SafeMethods), sets.List(unsafeMethods)...)))
		}
		seen.Insert(m)
	}
	return allErrs
}

func validateIgnored(list []string, form *regexp.Regexp, what string, fldPath *field.Path) field.ErrorList {
	if len(list) > MaxShadowIgnores {
		return field.ErrorList{field.TooMany(fldPath, len(list), MaxShadowIgnores)}
	}
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for i, v := range list {
		key := strings.ToLower(v)
		switch {
		case len(v) > MaxShadowIgnoreLength:
			allErrs = append(allErrs, field.TooLong(fldPath.Index(i), "", MaxShadowIgnoreLength))
		case !form.MatchString(v):
			allErrs = append(allErrs, field.Invalid(fldPath.Index(i), v, "must be "+what))
		case seen.Has(key):
			allErrs = append(allErrs, field.Duplicate(fldPath.Index(i), v))
		}
		seen.Insert(key)
	}
	return allErrs
}

// validatePercentage checks a decimal percentage, at most max (-1: no
// bound).
func validatePercentage(v string, max float64, fldPath *field.Path) field.ErrorList {
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if !percentage.MatchString(v) || err != nil {
		return field.ErrorList{field.Invalid(fldPath, v, "must be a non-negative decimal percentage such as 20 or 0.03")}
	}
	if max >= 0 && f > max {
		return field.ErrorList{field.Invalid(fldPath, v, fmt.Sprintf("must be at most %g", max))}
	}
	return nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
