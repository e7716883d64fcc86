package runtime

import (
	"reflect"
	"strings"
	"testing"
)

func TestShadowPlan(t *testing.T) {
	overlay := func() Plan {
		return Plan{Organization: "acme", Environment: "feature",
			Services: []ServicePlan{{Name: "api"}, {Name: "mailer"}},
			Baseline: &BaselineLink{Environment: "main", Changed: []BaselineService{{Name: "api"}}},
			Shadow:   &ShadowPlan{Percent: 10}}
	}
	p := overlay()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	// No services named: those the overlay changes, not those it adds.
	if got := p.ShadowedServices(); !reflect.DeepEqual(got, []string{"api"}) {
		t.Errorf("ShadowedServices() = %v", got)
	}
	if got := (Plan{}).ShadowedServices(); got != nil {
		t.Errorf("without a shadow: %v", got)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*Plan)
		want   string
	}{
		{"not an overlay", func(p *Plan) { p.Baseline = nil }, "only an overlay mirrors"},
		{"percent", func(p *Plan) { p.Shadow.Percent = 101 }, "percent 101 is not between 0 and 100"},
		{"limit", func(p *Plan) { p.Shadow.MaxRequests = -1 }, "negative request limit"},
		{"a service the overlay adds", func(p *Plan) { p.Shadow.Services = []string{"mailer"} }, `service "mailer" is not a baseline service the overlay changes`},
		{"a method", func(p *Plan) { p.Shadow.Methods = []string{"GET", "BAD METHOD"} }, `"BAD METHOD" is not an HTTP method`},
		{"an empty method", func(p *Plan) { p.Shadow.Methods = []string{""} }, `"" is not an HTTP method`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := overlay()
			tc.mutate(&p)
			if err := p.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
