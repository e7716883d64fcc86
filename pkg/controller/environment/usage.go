package environment

import (
	"k8s.io/utils/clock"

	"github.com/microstax/stax/pkg/apis/stax"
	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// SetClock makes the controller read the time from clk: status times, run
// segments, auto-shutdown and records follow it (tests inject a fake one).
func (c *Controller) SetClock(clk clock.PassiveClock) { c.now = clk.Now }

// requestsOf is what each service of env's plan requests while it runs:
// the environment's own blueprint only, so an overlay counts its own
// services and its baseline counts the rest.
func requestsOf(env *staxv1.Environment) []staxv1.ServiceRequests {
	plan := planFor(env)
	out := make([]staxv1.ServiceRequests, 0, len(plan.Services))
	for _, s := range plan.Services {
		r := staxv1.ServiceRequests{Name: s.Name, Replicas: s.Replicas}
		if q, ok := s.Requests["cpu"]; ok {
			r.CPU = &q
		}
		if q, ok := s.Requests["memory"]; ok {
			r.Memory = &q
		}
		out = append(out, r)
	}
	return out
}

// recordLabels are env's labels, which usage groups records by, and the
// environment's name, which finds its records.
func recordLabels(env *staxv1.Environment) map[string]string {
	labels := map[string]string{}
	for k, v := range env.Labels {
		labels[k] = v
	}
	labels[stax.LabelRecordEnvironment] = env.Name
	return labels
}

func baselineOf(env *staxv1.Environment) string {
	if env.Spec.BaselineRef == nil {
		return ""
	}
	return env.Spec.BaselineRef.Name
}
