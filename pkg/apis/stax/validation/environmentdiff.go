package validation

import (
	"regexp"
	"strconv"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// Bounds of an EnvironmentDiff. Together they keep one well under etcd's
// 1.5 MiB request limit: at most about 100×256 bytes of endpoints,
// 1,000×(256+~120) of fields and 300×3×512 of examples, some 850 KB in
// all. The publisher (pkg/diffpublish) cuts a report to them; the server
// refuses (422) one that is over.
const (
	MaxDiffEndpoints         = 100
	MaxDiffFieldsPerEndpoint = 64
	MaxDiffFields            = 1000
	MaxDiffExamplesPerField  = 3
	MaxDiffExamples          = 300
	// MaxDiffNameLength bounds an endpoint, a field and a kind.
	MaxDiffNameLength = 256
	// MaxDiffExampleLength bounds each of an example's request, primary
	// and candidate values.
	MaxDiffExampleLength = 512
)

var diffVerdicts = sets.New(stax.DiffVerdictDifference, stax.DiffVerdictNoise, stax.DiffVerdictEqual)

// rate is a decimal from 0 to 1 ("0.1250").
var rate = regexp.MustCompile(`^(0(\.[0-9]{1,9})?|1(\.0{1,9})?)$`)

// ValidateEnvironmentDiff checks an EnvironmentDiff: its name (the
// overlay's) and its report, within the bounds above.
func ValidateEnvironmentDiff(d *stax.EnvironmentDiff) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&d.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, validateDiffReport(&d.Report, field.NewPath("report"))...)
}

// ValidateEnvironmentDiffUpdate checks an EnvironmentDiff's update.
func ValidateEnvironmentDiffUpdate(d, old *stax.EnvironmentDiff) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&d.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, validateDiffReport(&d.Report, field.NewPath("report"))...)
}

func validateDiffReport(r *stax.DiffReport, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	p := fldPath.Child("endpoints")
	if len(r.Endpoints) > MaxDiffEndpoints {
		return field.ErrorList{field.TooMany(p, len(r.Endpoints), MaxDiffEndpoints)}
	}
	fields, examples := 0, 0
	seen := sets.New[string]()
	for i := range r.Endpoints {
		e := &r.Endpoints[i]
		ep := p.Index(i)
		allErrs = append(allErrs, validateDiffName(e.Endpoint, ep.Child("endpoint"), true)...)
		if seen.Has(e.Endpoint) {
			allErrs = append(allErrs, field.Duplicate(ep.Child("endpoint"), e.Endpoint))
		}
		seen.Insert(e.Endpoint)
		if e.Requests < 0 {
			allErrs = append(allErrs, field.Invalid(ep.Child("requests"), e.Requests, "must not be negative"))
		}
		if len(e.Fields) > MaxDiffFieldsPerEndpoint {
			allErrs = append(allErrs, field.TooMany(ep.Child("fields"), len(e.Fields), MaxDiffFieldsPerEndpoint))
			continue
		}
		fields += len(e.Fields)
		for j := range e.Fields {
			examples += len(e.Fields[j].Examples)
			allErrs = append(allErrs, validateFieldDiff(&e.Fields[j], e.Requests, ep.Child("fields").Index(j))...)
		}
	}
	if fields > MaxDiffFields {
		allErrs = append(allErrs, field.Invalid(p, fields, "must hold at most "+strconv.Itoa(MaxDiffFields)+" fields in all"))
	}
	if examples > MaxDiffExamples {
		allErrs = append(allErrs, field.Invalid(p, examples, "must hold at most "+strconv.Itoa(MaxDiffExamples)+" examples in all"))
	}
	return allErrs
}

func validateFieldDiff(f *stax.FieldDiff, requests int64, p *field.Path) field.ErrorList {
	allErrs := validateDiffName(f.Field, p.Child("field"), true)
	allErrs = append(allErrs, validateDiffName(f.Kind, p.Child("kind"), false)...)
	for _, c := range []struct {
		name  string
		count int64
		rate  string
	}{{"raw", f.Raw, f.RawRate}, {"noise", f.Noise, f.NoiseRate}} {
		if c.count < 0 || c.count > requests {
			allErrs = append(allErrs, field.Invalid(p.Child(c.name), c.count, "must be between 0 and the endpoint's requests, "+strconv.FormatInt(requests, 10)))
		}
		if !rate.MatchString(c.rate) {
			allErrs = append(allErrs, field.Invalid(p.Child(c.name+"Rate"), c.rate, "must be a decimal from 0 to 1 such as 0.125"))
		}
	}
	if !diffVerdicts.Has(f.Verdict) {
		allErrs = append(allErrs, field.NotSupported(p.Child("verdict"), f.Verdict, sets.List(diffVerdicts)))
	}
	if len(f.Examples) > MaxDiffExamplesPerField {
		return append(allErrs, field.TooMany(p.Child("examples"), len(f.Examples), MaxDiffExamplesPerField))
	}
	for k, ex := range f.Examples {
		ep := p.Child("examples").Index(k)
		for _, v := range []struct{ name, value string }{{"request", ex.Request}, {"primary", ex.Primary}, {"candidate", ex.Candidate}} {
			if len(v.value) > MaxDiffExampleLength {
				allErrs = append(allErrs, field.TooLong(ep.Child(v.name), "", MaxDiffExampleLength))
			}
		}
	}
	return allErrs
}

func validateDiffName(v string, p *field.Path, required bool) field.ErrorList {
	switch {
	case v == "" && required:
		return field.ErrorList{field.Required(p, "")}
	case len(v) > MaxDiffNameLength:
		return field.ErrorList{field.TooLong(p, "", MaxDiffNameLength)}
	}
	return nil
}

// ValidateEnvironmentDiffOptions checks the options of GET
// environments/{name}/diffs.
func ValidateEnvironmentDiffOptions(o *stax.EnvironmentDiffOptions) field.ErrorList {
	var allErrs field.ErrorList
	if o.Limit != nil && *o.Limit < 1 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("limit"), *o.Limit, "must be at least 1"))
	}
	if len(o.Endpoint) > MaxDiffNameLength {
		allErrs = append(allErrs, field.TooLong(field.NewPath("endpoint"), "", MaxDiffNameLength))
	}
	return allErrs
}
