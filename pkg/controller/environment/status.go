package environment

import (
	"encoding/json"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runsegment"
	"github.com/microstax/stax/pkg/runtime"
)

// Reasons of the Ready and Provisioned conditions.
const (
	ReasonProvisioning   = "Provisioning"
	ReasonProvisioned    = "Provisioned"
	ReasonProvisionError = "ProvisionFailed"
	ReasonAllReady       = "AllServicesReady"
	ReasonNotReady       = "ServicesNotReady"
	ReasonStopped        = "Stopped"
)

// maxLastReadyBytes bounds the blueprint status.lastReady copies: etcd
// takes about 1.5 MiB an object, spec and status together.
const maxLastReadyBytes = 256 << 10

// observation is what one sync learned from the runtime.
type observation struct {
	state    runtime.EnvironmentState
	applyErr error // a runtime refusal of the plan
	// missing says which secretRef has no Secret or key yet, or which
	// Stub is missing; nil when nothing is.
	missing *missingError
	stopped bool // the environment is paused and every process has ended
	// baseline is what an overlay's sync saw of its baseline; nil for an
	// environment that is no overlay.
	baseline *baselineView
	now      time.Time
	// stubsDue is when a stub credential is next due to be minted again;
	// zero when none is.
	stubsDue time.Time
}

// nextStatus derives the environment's status from what the runtime reports.
// It is a pure function of its inputs so the phase rules can be tested alone.
func nextStatus(env *staxv1.Environment, obs observation) staxv1.EnvironmentStatus {
	st := *env.Status.DeepCopy()
	now := metav1.NewTime(obs.now)
	st.ObservedGeneration = env.Generation
	st.Services = servicesStatus(env, obs.state)
	total := len(st.Services) // what this environment runs
	if obs.baseline != nil {
		for i := range st.Services {
			st.Services[i].Source = staxv1.ServiceOwn
		}
		st.Services = append(st.Services, obs.baseline.sharedStatus(planFor(env))...)
	}
	if !obs.state.LastProbe.IsZero() {
		t := metav1.NewTime(obs.state.LastProbe)
		st.LastProbeTime = &t
	}

	ready, firstProblem := 0, ""
	degraded := false
	for _, s := range obs.state.Services {
		if s.Desired == 0 || s.Ready >= s.Desired {
			ready++
			continue
		}
		if firstProblem == "" {
			firstProblem = describe(s)
		}
		if s.Health == runtime.HealthUnhealthy || s.Reason == "CrashLoop" || s.Restarts > 0 {
			degraded = true
		}
	}

	switch {
	case obs.missing != nil:
		// The spec's plan cannot run yet, whatever runs now.
		st.Phase = staxv1.EnvironmentPending
		setCondition(&st, staxv1.ConditionProvisioned, metav1.ConditionFalse, obs.missing.reason, obs.missing.msg, env.Generation, now)
		setCondition(&st, staxv1.ConditionReady, metav1.ConditionFalse, obs.missing.reason, obs.missing.msg, env.Generation, now)
	case obs.applyErr != nil:
		st.Phase = staxv1.EnvironmentFailed
		setCondition(&st, staxv1.ConditionProvisioned, metav1.ConditionFalse, ReasonProvisionError, obs.applyErr.Error(), env.Generation, now)
		setCondition(&st, staxv1.ConditionReady, metav1.ConditionFalse, ReasonProvisionError, obs.applyErr.Error(), env.Generation, now)
	case env.Spec.Paused:
		if obs.stopped {
			st.Phase = staxv1.EnvironmentStopped
			if st.StartedAt != nil {
				st.RunningSeconds += int64(obs.now.Sub(st.StartedAt.Time).Seconds())
				st.StartedAt = nil
				st.StoppedAt = &now
			}
		} else {
			st.Phase = staxv1.EnvironmentStopping
		}
		setCondition(&st, staxv1.ConditionReady, metav1.ConditionFalse, ReasonStopped, "the environment is stopped", env.Generation, now)
	default:
		if st.StartedAt == nil {
			st.StartedAt = &now
		}
		setCondition(&st, staxv1.ConditionProvisioned, metav1.ConditionTrue, ReasonProvisioned, "the runtime runs every service of the blueprint", env.Generation, now)
		switch {
		case obs.baseline != nil && obs.baseline.unavailable != "":
			// The overlay's own services may run, but what they reach does not.
			st.Phase = staxv1.EnvironmentDegraded
			setCondition(&st, staxv1.ConditionReady, metav1.ConditionFalse, ReasonBaselineUnavailable, obs.baseline.unavailable, env.Generation, now)
		case ready == total && len(obs.state.Services) == total:
			st.Phase = staxv1.EnvironmentReady
			setCondition(&st, staxv1.ConditionReady, metav1.ConditionTrue, ReasonAllReady, fmt.Sprintf("%d/%d services ready", ready, total), env.Generation, now)
			// What diagnose rolls a failing service back to; a copy of a
			// blueprint so large it could make the status unstorable is
			// not kept.
			if st.LastReady == nil || st.LastReady.Generation != env.Generation {
				st.LastReady = nil
				if b, err := json.Marshal(env.Spec.Blueprint); err == nil && len(b) <= maxLastReadyBytes {
					st.LastReady = &staxv1.ReadyBlueprint{Generation: env.Generation, Blueprint: *env.Spec.Blueprint.DeepCopy()}
				}
			}
		default:
			switch {
			case degraded:
				st.Phase = staxv1.EnvironmentDegraded
			case env.Status.Phase == staxv1.EnvironmentStopped || env.Status.Phase == staxv1.EnvironmentStopping || env.Status.Phase == staxv1.EnvironmentResuming:
				st.Phase = staxv1.EnvironmentResuming
			default:
				st.Phase = staxv1.EnvironmentProvisioning
			}
			setCondition(&st, staxv1.ConditionReady, metav1.ConditionFalse, ReasonNotReady,
				fmt.Sprintf("%d/%d services ready; %s", ready, total, firstProblem), env.Generation, now)
		}
	}
	runsegment.Track(&st, requestsOf(env), obs.now)
	return st
}

func servicesStatus(env *staxv1.Environment, state runtime.EnvironmentState) []staxv1.ServiceStatus {
	observed := map[string]runtime.ServiceState{}
	for _, s := range state.Services {
		observed[s.Name] = s
	}
	planned := planFor(env).Services // replicas with their default
	out := make([]staxv1.ServiceStatus, 0, len(planned))
	for _, sp := range planned {
		s, ok := observed[sp.Name]
		if !ok {
			out = append(out, staxv1.ServiceStatus{Name: sp.Name, DesiredReplicas: sp.Replicas, Health: runtime.HealthUnknown})
			continue
		}
		msg := s.Message
		switch {
		case s.Reason != "" && s.Message != "":
			msg = s.Reason + ": " + s.Message
		case s.Reason != "":
			msg = s.Reason // "Starting", not "Starting: "
		}
		out = append(out, staxv1.ServiceStatus{
			Name: s.Name, DesiredReplicas: s.Desired, ReadyReplicas: s.Ready, Health: s.Health,
			Endpoint: s.Endpoint, Restarts: s.Restarts, Message: msg,
		})
	}
	return out
}

func describe(s runtime.ServiceState) string {
	switch {
	case s.Reason != "" && s.Message != "":
		return fmt.Sprintf("%s: %s: %s", s.Name, s.Reason, s.Message)
	case s.Reason != "":
		return fmt.Sprintf("%s: %s", s.Name, s.Reason)
	default:
		return fmt.Sprintf("%s: %d/%d replicas ready", s.Name, s.Ready, s.Desired)
	}
}

func setCondition(st *staxv1.EnvironmentStatus, typ string, status metav1.ConditionStatus, reason, msg string, gen int64, now metav1.Time) {
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: msg, ObservedGeneration: gen, LastTransitionTime: now,
	})
}
