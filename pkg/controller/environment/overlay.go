package environment

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

// ReasonBaselineUnavailable is the Ready reason of an overlay whose
// baseline is not Ready (Stopped, Degraded, gone, ...).
const ReasonBaselineUnavailable = "BaselineUnavailable"

// baselineView is what a sync of an overlay learned of its baseline.
type baselineView struct {
	// blueprint is the Baseline's frozen blueprint.
	blueprint staxv1.Blueprint
	// envName names the baseline's environment; env is it, nil when gone.
	envName string
	env     *staxv1.Environment
	// unavailable says why the overlay cannot count on its baseline; empty
	// when the baseline is Ready.
	unavailable string
}

// baselineOf reads an overlay's Baseline and its environment from the
// informers' caches; nil for an environment that is no overlay.
func (c *Controller) baselineOf(env *staxv1.Environment) *baselineView {
	ref := env.Spec.BaselineRef
	if ref == nil {
		return nil
	}
	v := &baselineView{}
	if c.baselines == nil {
		v.unavailable = "the controller does not watch baselines"
		return v
	}
	b, err := c.baselines.Baselines(env.Namespace).Get(ref.Name)
	if err != nil {
		v.unavailable = fmt.Sprintf("baseline %s: %v", ref.Name, notFoundOr(err))
		return v
	}
	v.blueprint, v.envName = b.Status.Blueprint, b.Spec.EnvironmentRef.Name
	be, err := c.lister.Environments(env.Namespace).Get(b.Spec.EnvironmentRef.Name)
	if err != nil {
		v.unavailable = fmt.Sprintf("environment %s of baseline %s: %v", b.Spec.EnvironmentRef.Name, ref.Name, notFoundOr(err))
		return v
	}
	v.env = be
	if be.Status.Phase != staxv1.EnvironmentReady {
		phase := be.Status.Phase
		if phase == "" {
			phase = staxv1.EnvironmentPending
		}
		v.unavailable = fmt.Sprintf("baseline %s: environment %s is %s", ref.Name, be.Name, phase)
	}
	return v
}

func notFoundOr(err error) string {
	if apierrors.IsNotFound(err) {
		return "not found"
	}
	return err.Error()
}

// link is what the overlay's plan shares with the baseline: every service
// of the frozen blueprint the overlay does not run itself, at the endpoint
// the baseline's environment reports for it; and those it changes.
func (v *baselineView) link(plan runtime.Plan) *runtime.BaselineLink {
	own := map[string]bool{}
	for _, s := range plan.Services {
		own[s.Name] = true
	}
	l := &runtime.BaselineLink{Environment: v.envName}
	for _, s := range v.blueprint.Services {
		bs := runtime.BaselineService{Name: s.Name, Endpoint: v.endpoint(s.Name)}
		if len(s.Ports) > 0 {
			bs.Port = s.Ports[0].Port
		}
		if own[s.Name] {
			l.Changed = append(l.Changed, bs)
		} else {
			l.Shared = append(l.Shared, bs)
		}
	}
	return l
}

// endpoint is the baseline environment's reported endpoint of a service.
func (v *baselineView) endpoint(name string) string {
	if v.env == nil {
		return ""
	}
	for _, s := range v.env.Status.Services {
		if s.Name == name {
			return s.Endpoint
		}
	}
	return ""
}

// sharedStatus lists the baseline's services an overlay shares, as the
// baseline's environment reports them.
func (v *baselineView) sharedStatus(plan runtime.Plan) []staxv1.ServiceStatus {
	var out []staxv1.ServiceStatus
	for _, sh := range v.link(plan).Shared {
		st := staxv1.ServiceStatus{Name: sh.Name, Source: staxv1.ServiceShared, Endpoint: sh.Endpoint, Health: runtime.HealthUnknown}
		if v.env != nil {
			for _, s := range v.env.Status.Services {
				if s.Name == sh.Name {
					st.DesiredReplicas, st.ReadyReplicas, st.Health, st.Restarts = s.DesiredReplicas, s.ReadyReplicas, s.Health, s.Restarts
				}
			}
		}
		if st.Health == "" {
			st.Health = runtime.HealthUnknown
		}
		out = append(out, st)
	}
	return out
}
