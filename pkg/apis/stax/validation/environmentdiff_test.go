package validation

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

func validDiff() *stax.EnvironmentDiff {
	return &stax.EnvironmentDiff{
		ObjectMeta: metav1.ObjectMeta{Name: "feature", Namespace: "acme"},
		Report: stax.DiffReport{Endpoints: []stax.EndpointDiff{{
			Endpoint: "GET /users/{id}", Requests: 200,
			Fields: []stax.FieldDiff{
				{Field: "body.user.name", Kind: "value", Raw: 50, Noise: 0, RawRate: "0.2500", NoiseRate: "0", Verdict: stax.DiffVerdictDifference,
					Examples: []stax.DiffExample{{Request: "GET /users/7", Primary: `"ann"`, Candidate: `"Ann"`}}},
				{Field: "body.requestId", Kind: "value", Raw: 200, Noise: 200, RawRate: "1.0000", NoiseRate: "1", Verdict: stax.DiffVerdictNoise},
			},
		}}},
	}
}

func TestEnvironmentDiffValidation(t *testing.T) {
	fields := func(n int) []stax.FieldDiff {
		out := make([]stax.FieldDiff, n)
		for i := range out {
			out[i] = stax.FieldDiff{Field: "body.f" + strings.Repeat("x", i), RawRate: "0", NoiseRate: "0", Verdict: stax.DiffVerdictEqual}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		mut     func(*stax.EnvironmentDiff)
		path    string
		errType field.ErrorType
	}{
		{name: "valid", mut: func(*stax.EnvironmentDiff) {}},
		{name: "empty report", mut: func(d *stax.EnvironmentDiff) { d.Report = stax.DiffReport{} }},
		{"too many endpoints", func(d *stax.EnvironmentDiff) {
			for i := 0; i <= MaxDiffEndpoints; i++ {
				d.Report.Endpoints = append(d.Report.Endpoints, stax.EndpointDiff{Endpoint: "GET /" + strings.Repeat("a", i+1)})
			}
		}, "report.endpoints", field.ErrorTypeTooMany},
		{"an endpoint twice", func(d *stax.EnvironmentDiff) {
			d.Report.Endpoints = append(d.Report.Endpoints, d.Report.Endpoints[0])
		}, "report.endpoints[1].endpoint", field.ErrorTypeDuplicate},
		{"no endpoint", func(d *stax.EnvironmentDiff) { d.Report.Endpoints[0].Endpoint = "" }, "report.endpoints[0].endpoint", field.ErrorTypeRequired},
		{"an endpoint too long", func(d *stax.EnvironmentDiff) {
			d.Report.Endpoints[0].Endpoint = "GET /" + strings.Repeat("a", MaxDiffNameLength)
		}, "report.endpoints[0].endpoint", field.ErrorTypeTooLong},
		{"too many fields on an endpoint", func(d *stax.EnvironmentDiff) {
			d.Report.Endpoints[0].Fields = fields(MaxDiffFieldsPerEndpoint + 1)
		}, "report.endpoints[0].fields", field.ErrorTypeTooMany},
		{"too many fields in all", func(d *stax.EnvironmentDiff) {
			d.Report.Endpoints = nil
			for i := 0; i < MaxDiffFields/MaxDiffFieldsPerEndpoint+1; i++ {
				d.Report.Endpoints = append(d.Report.Endpoints, stax.EndpointDiff{Endpoint: "GET /" + strings.Repeat("a", i+1), Fields: fields(MaxDiffFieldsPerEndpoint)})
			}
		}, "report.endpoints", field.ErrorTypeInvalid},
		{"too many examples on a field", func(d *stax.EnvironmentDiff) {
			f := &d.Report.Endpoints[0].Fields[0]
			for len(f.Examples) <= MaxDiffExamplesPerField {
				f.Examples = append(f.Examples, f.Examples[0])
			}
		}, "report.endpoints[0].fields[0].examples", field.ErrorTypeTooMany},
		{"an example too long", func(d *stax.EnvironmentDiff) {
			d.Report.Endpoints[0].Fields[0].Examples[0].Candidate = strings.Repeat("x", MaxDiffExampleLength+1)
		}, "report.endpoints[0].fields[0].examples[0].candidate", field.ErrorTypeTooLong},
		{"more raw than requests", func(d *stax.EnvironmentDiff) { d.Report.Endpoints[0].Fields[0].Raw = 201 }, "report.endpoints[0].fields[0].raw", field.ErrorTypeInvalid},
		{"negative noise", func(d *stax.EnvironmentDiff) { d.Report.Endpoints[0].Fields[0].Noise = -1 }, "report.endpoints[0].fields[0].noise", field.ErrorTypeInvalid},
		{"a rate above 1", func(d *stax.EnvironmentDiff) { d.Report.Endpoints[0].Fields[0].RawRate = "1.5" }, "report.endpoints[0].fields[0].rawRate", field.ErrorTypeInvalid},
		{"a rate that is no decimal", func(d *stax.EnvironmentDiff) { d.Report.Endpoints[0].Fields[0].NoiseRate = "NaN" }, "report.endpoints[0].fields[0].noiseRate", field.ErrorTypeInvalid},
		{"an unknown verdict", func(d *stax.EnvironmentDiff) { d.Report.Endpoints[0].Fields[0].Verdict = "Maybe" }, "report.endpoints[0].fields[0].verdict", field.ErrorTypeNotSupported},
		{"no name", func(d *stax.EnvironmentDiff) { d.Name = "" }, "metadata.name", field.ErrorTypeRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := validDiff()
			tc.mut(d)
			errs := ValidateEnvironmentDiff(d)
			if tc.path == "" {
				if len(errs) != 0 {
					t.Fatalf("want no error, got %v", errs)
				}
				return
			}
			if !hasError(errs, tc.path, tc.errType, "") {
				t.Fatalf("want %s %s, got %v", tc.path, tc.errType, errs)
			}
		})
	}
}

func TestEnvironmentDiffOptionsValidation(t *testing.T) {
	zero := int64(0)
	if errs := ValidateEnvironmentDiffOptions(&stax.EnvironmentDiffOptions{Limit: &zero}); !hasError(errs, "limit", field.ErrorTypeInvalid, "at least 1") {
		t.Fatalf("limit 0: %v", errs)
	}
	if errs := ValidateEnvironmentDiffOptions(&stax.EnvironmentDiffOptions{Endpoint: "GET /"}); len(errs) != 0 {
		t.Fatalf("%v", errs)
	}
}
