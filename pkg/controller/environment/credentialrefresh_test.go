package environment

import (
	"testing"
	"time"

	"github.com/microstax/stax/pkg/runtime"
)

func TestObservationSooner(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		due  time.Time
		want time.Duration
	}{
		{"nothing due", time.Time{}, 5 * time.Second},
		{"due after the poll", now.Add(30 * time.Minute), 5 * time.Second},
		{"due before the poll", now.Add(2 * time.Second), 2 * time.Second},
		{"overdue: soon, not at once", now.Add(-time.Minute), minCredentialRefreshPoll},
	} {
		if got := (observation{now: now, credentialsDue: tc.due}).sooner(5 * time.Second); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Environments with stubs and overlays with a shadow hold credentials the
// runtime refreshes; others are not asked about.
func TestHasCredentials(t *testing.T) {
	link := &runtime.BaselineLink{Environment: "shop", Changed: []runtime.BaselineService{{Name: "api", Port: 8080}}}
	for _, tc := range []struct {
		name string
		plan runtime.Plan
		want bool
	}{
		{"nothing", runtime.Plan{Services: []runtime.ServicePlan{{Name: "api"}}}, false},
		{"a stub", runtime.Plan{Services: []runtime.ServicePlan{{Name: "api"}, {Name: "pets", Stub: &runtime.StubService{Name: "petstore"}}}}, true},
		{"an overlay with a shadow", runtime.Plan{Services: []runtime.ServicePlan{{Name: "api"}}, Baseline: link, Shadow: &runtime.ShadowPlan{Percent: 10}}, true},
		{"an overlay without one", runtime.Plan{Services: []runtime.ServicePlan{{Name: "api"}}, Baseline: link}, false},
	} {
		if got := hasCredentials(tc.plan); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
