package validation

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// shadowedOverlay is an overlay of validEnvironment's blueprint (web, api,
// db) that changes api and adds cache, with shadow settings s.
func shadowedOverlay(s *stax.ShadowSpec) *stax.Environment {
	env := overlayOf(
		stax.ServiceSpec{Name: "api", Command: []string{"./api-v2"}},
		stax.ServiceSpec{Name: "cache", Command: []string{"./cache"}})
	env.Spec.Shadow = s
	return env
}

func percent(p int32) *int32 { return &p }

func TestShadowValidation(t *testing.T) {
	base := &validEnvironment().Spec.Blueprint
	safe := func(mut func(*stax.ShadowSpec)) *stax.ShadowSpec {
		s := &stax.ShadowSpec{Enabled: true, Percent: percent(25), Methods: []string{"GET", "HEAD", "OPTIONS"}}
		if mut != nil {
			mut(s)
		}
		return s
	}
	requests := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name    string
		env     *stax.Environment
		base    *stax.Blueprint
		path    string // "" for no error
		errType field.ErrorType
		detail  string
	}{
		{name: "defaults: every service the overlay changes", env: shadowedOverlay(safe(nil)), base: base},
		{name: "off, with nothing else", env: shadowedOverlay(&stax.ShadowSpec{}), base: base},
		{name: "everything set", base: base, env: shadowedOverlay(safe(func(s *stax.ShadowSpec) {
			s.Services = []string{"api"}
			s.Methods = []string{"GET", "POST", "DELETE"}
			s.AllowUnsafe = true
			s.Ignore = &stax.ShadowIgnore{Fields: []string{"status", "body", "body.user.updatedAt", "body.items[*].id", "body.rows[3]"},
				Headers: []string{"Date", "X-Request-Id"}}
			s.Limit = &stax.ShadowLimit{Duration: &metav1.Duration{Duration: time.Hour}, Requests: requests(1000)}
			s.Thresholds = &stax.DiffThresholds{RelativePercent: "200", AbsolutePercent: "0.03"}
		}))},
		{name: "not an overlay", env: func() *stax.Environment {
			e := validEnvironment()
			e.Spec.Shadow = safe(nil)
			return e
		}(), path: "spec.shadow", errType: field.ErrorTypeForbidden, detail: "not an overlay (it has no spec.baselineRef)"},
		{name: "percent above 100", env: shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Percent = percent(101) })), base: base,
			path: "spec.shadow.percent", errType: field.ErrorTypeInvalid, detail: "between 0 and 100"},
		{name: "percent below 0", env: shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Percent = percent(-1) })), base: base,
			path: "spec.shadow.percent", errType: field.ErrorTypeInvalid},
		{name: "a baseline service the overlay does not change", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Services = []string{"api", "db"} })),
			path: "spec.shadow.services[1]", errType: field.ErrorTypeInvalid, detail: "not a service the overlay changes: the overlay runs api, cache"},
		{name: "a service the overlay adds", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Services = []string{"cache"} })),
			path: "spec.shadow.services[0]", errType: field.ErrorTypeInvalid, detail: "a service the overlay adds"},
		{name: "a service named twice", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Services = []string{"api", "api"} })),
			path: "spec.shadow.services[1]", errType: field.ErrorTypeDuplicate},
		{name: "the baseline is gone: the overlay's own services are judged", base: nil,
			env: shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Services = []string{"cache"} }))},
		{name: "an overlay that only adds services", base: base,
			env: func() *stax.Environment {
				e := overlayOf(stax.ServiceSpec{Name: "cache", Command: []string{"./cache"}})
				e.Spec.Shadow = safe(nil)
				return e
			}(),
			path: "spec.shadow.services", errType: field.ErrorTypeInvalid, detail: "changes no service of its baseline"},
		{name: "POST without allowUnsafe", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Methods = []string{"GET", "POST"} })),
			path: "spec.shadow.methods[1]", errType: field.ErrorTypeForbidden, detail: "POST changes state: mirroring it needs allowUnsafe: true (a mirrored write reaches whatever the overlay shares with the baseline, its database first)"},
		{name: "an unknown method", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Methods = []string{"get"} })),
			path: "spec.shadow.methods[0]", errType: field.ErrorTypeNotSupported},
		{name: "CONNECT cannot be mirrored", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Methods = []string{"CONNECT"}; s.AllowUnsafe = true })),
			path: "spec.shadow.methods[0]", errType: field.ErrorTypeNotSupported},
		{name: "a method twice", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Methods = []string{"GET", "GET"} })),
			path: "spec.shadow.methods[1]", errType: field.ErrorTypeDuplicate},
		{name: "an ignored field that is no path", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Ignore = &stax.ShadowIgnore{Fields: []string{"user.name"}} })),
			path: "spec.shadow.ignore.fields[0]", errType: field.ErrorTypeInvalid, detail: "a JSON path below it"},
		{name: "an empty key in an ignored path", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Ignore = &stax.ShadowIgnore{Fields: []string{"body..x"}} })),
			path: "spec.shadow.ignore.fields[0]", errType: field.ErrorTypeInvalid},
		{name: "a header that is no header name", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Ignore = &stax.ShadowIgnore{Headers: []string{"X Request"}} })),
			path: "spec.shadow.ignore.headers[0]", errType: field.ErrorTypeInvalid, detail: "an HTTP header name"},
		{name: "a header twice, in other cases", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Ignore = &stax.ShadowIgnore{Headers: []string{"Date", "date"}} })),
			path: "spec.shadow.ignore.headers[1]", errType: field.ErrorTypeDuplicate},
		{name: "too many ignored headers", base: base,
			env: shadowedOverlay(safe(func(s *stax.ShadowSpec) {
				s.Ignore = &stax.ShadowIgnore{Headers: strings.Fields(strings.Repeat("X ", MaxShadowIgnores+1))}
			})),
			path: "spec.shadow.ignore.headers", errType: field.ErrorTypeTooMany},
		{name: "an ignored path too long", base: base,
			env: shadowedOverlay(safe(func(s *stax.ShadowSpec) {
				s.Ignore = &stax.ShadowIgnore{Fields: []string{"body." + strings.Repeat("x", MaxShadowIgnoreLength)}}
			})),
			path: "spec.shadow.ignore.fields[0]", errType: field.ErrorTypeTooLong},
		{name: "an empty limit", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Limit = &stax.ShadowLimit{} })),
			path: "spec.shadow.limit", errType: field.ErrorTypeRequired, detail: "duration, requests or both"},
		{name: "a limit of no time", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Limit = &stax.ShadowLimit{Duration: &metav1.Duration{}} })),
			path: "spec.shadow.limit.duration", errType: field.ErrorTypeInvalid},
		{name: "a limit of no requests", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Limit = &stax.ShadowLimit{Requests: requests(0)} })),
			path: "spec.shadow.limit.requests", errType: field.ErrorTypeInvalid, detail: "at least 1"},
		{name: "a negative threshold", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Thresholds = &stax.DiffThresholds{RelativePercent: "-5"} })),
			path: "spec.shadow.thresholds.relativePercent", errType: field.ErrorTypeInvalid, detail: "non-negative decimal percentage"},
		{name: "an absolute threshold above 100", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Thresholds = &stax.DiffThresholds{AbsolutePercent: "100.5"} })),
			path: "spec.shadow.thresholds.absolutePercent", errType: field.ErrorTypeInvalid, detail: "at most 100"},
		{name: "a threshold in an exponent", base: base,
			env:  shadowedOverlay(safe(func(s *stax.ShadowSpec) { s.Thresholds = &stax.DiffThresholds{AbsolutePercent: "1e1"} })),
			path: "spec.shadow.thresholds.absolutePercent", errType: field.ErrorTypeInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateEnvironment(tc.env, tc.base, DefaultLimits)
			if tc.path == "" {
				if len(errs) != 0 {
					t.Fatalf("want no error, got %v", errs)
				}
				return
			}
			if !hasError(errs, tc.path, tc.errType, tc.detail) {
				t.Fatalf("want %s %s %q, got %v", tc.path, tc.errType, tc.detail, errs)
			}
		})
	}
}

// A blueprint change through the main resource is judged against the
// shadow settings it keeps: the overlay cannot drop a shadowed service.
func TestShadowKeptThroughBlueprintUpdates(t *testing.T) {
	base := &validEnvironment().Spec.Blueprint
	old := shadowedOverlay(&stax.ShadowSpec{Enabled: true, Services: []string{"api"}})
	env := old.DeepCopy()
	env.Spec.Blueprint.Services = env.Spec.Blueprint.Services[1:] // only cache
	if errs := ValidateEnvironmentUpdate(env, old, base, DefaultLimits); !hasError(errs, "spec.shadow.services[0]", field.ErrorTypeInvalid, "not a service the overlay changes") {
		t.Fatalf("want services[0] refused, got %v", errs)
	}
}

func TestShadowServices(t *testing.T) {
	for _, tc := range []struct {
		named, own, base, want []string
	}{
		{nil, []string{"api", "cache"}, []string{"web", "api", "db"}, []string{"api"}},
		{[]string{"web"}, []string{"api"}, []string{"web"}, []string{"web"}},
		{nil, []string{"cache"}, []string{"web"}, nil},
	} {
		if got := stax.ShadowServices(tc.named, tc.own, tc.base); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("ShadowServices(%v, %v, %v) = %v, want %v", tc.named, tc.own, tc.base, got, tc.want)
		}
	}
}
