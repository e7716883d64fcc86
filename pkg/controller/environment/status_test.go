package environment

import (
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

func env(phase staxv1.EnvironmentPhase, paused bool) *staxv1.Environment {
	return &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "acme", Generation: 2},
		Spec: staxv1.EnvironmentSpec{Paused: paused, Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			{Name: "db", Replicas: ptr.To[int32](1)}, {Name: "api", Replicas: ptr.To[int32](2)},
		}}},
		Status: staxv1.EnvironmentStatus{Phase: phase, ObservedGeneration: 1},
	}
}

func svc(name string, desired, ready, restarts int32, health, reason string) runtime.ServiceState {
	return runtime.ServiceState{Name: name, Desired: desired, Ready: ready, Restarts: restarts, Health: health, Reason: reason}
}

func TestNextStatusPhases(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	healthy := []runtime.ServiceState{svc("db", 1, 1, 0, runtime.HealthHealthy, ""), svc("api", 2, 2, 0, runtime.HealthHealthy, "")}
	cases := []struct {
		name      string
		env       *staxv1.Environment
		obs       observation
		phase     staxv1.EnvironmentPhase
		readyCond metav1.ConditionStatus
		reason    string
	}{
		{"all ready", env(staxv1.EnvironmentProvisioning, false), observation{state: runtime.EnvironmentState{Services: healthy}},
			staxv1.EnvironmentReady, metav1.ConditionTrue, ReasonAllReady},
		{"still starting", env(staxv1.EnvironmentPending, false),
			observation{state: runtime.EnvironmentState{Services: []runtime.ServiceState{svc("db", 1, 1, 0, runtime.HealthHealthy, ""), svc("api", 2, 0, 0, runtime.HealthWaiting, "WaitingForDependencies")}}},
			staxv1.EnvironmentProvisioning, metav1.ConditionFalse, ReasonNotReady},
		{"a service the runtime does not know yet", env(staxv1.EnvironmentPending, false),
			observation{state: runtime.EnvironmentState{Services: healthy[:1]}},
			staxv1.EnvironmentProvisioning, metav1.ConditionFalse, ReasonNotReady},
		{"crash loop", env(staxv1.EnvironmentReady, false),
			observation{state: runtime.EnvironmentState{Services: []runtime.ServiceState{svc("db", 1, 1, 0, runtime.HealthHealthy, ""), svc("api", 2, 1, 3, runtime.HealthUnhealthy, "CrashLoop")}}},
			staxv1.EnvironmentDegraded, metav1.ConditionFalse, ReasonNotReady},
		{"resuming", env(staxv1.EnvironmentStopped, false),
			observation{state: runtime.EnvironmentState{Services: []runtime.ServiceState{svc("db", 1, 0, 0, runtime.HealthWaiting, ""), svc("api", 2, 0, 0, runtime.HealthWaiting, "")}}},
			staxv1.EnvironmentResuming, metav1.ConditionFalse, ReasonNotReady},
		{"stopping", env(staxv1.EnvironmentReady, true), observation{state: runtime.EnvironmentState{Services: healthy}},
			staxv1.EnvironmentStopping, metav1.ConditionFalse, ReasonStopped},
		{"stopped", env(staxv1.EnvironmentStopping, true), observation{stopped: true},
			staxv1.EnvironmentStopped, metav1.ConditionFalse, ReasonStopped},
		{"runtime refuses the plan", env(staxv1.EnvironmentPending, false), observation{applyErr: errors.New("no command")},
			staxv1.EnvironmentFailed, metav1.ConditionFalse, ReasonProvisionError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.obs.now = now
			st := nextStatus(tc.env, tc.obs)
			if st.Phase != tc.phase {
				t.Fatalf("phase %s, want %s", st.Phase, tc.phase)
			}
			c := meta.FindStatusCondition(st.Conditions, staxv1.ConditionReady)
			if c == nil || c.Status != tc.readyCond || c.Reason != tc.reason || c.ObservedGeneration != 2 {
				t.Fatalf("Ready condition %+v, want %s/%s", c, tc.readyCond, tc.reason)
			}
			if st.ObservedGeneration != 2 || len(st.Services) != 2 {
				t.Fatalf("observedGeneration %d, %d services", st.ObservedGeneration, len(st.Services))
			}
		})
	}
}

func TestRunningTimeIsAccounted(t *testing.T) {
	start := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	e := env(staxv1.EnvironmentStopping, true)
	began := metav1.NewTime(start)
	e.Status.StartedAt = &began
	e.Status.RunningSeconds = 100
	st := nextStatus(e, observation{stopped: true, now: start.Add(90 * time.Second)})
	if st.RunningSeconds != 190 || st.StartedAt != nil || st.StoppedAt == nil {
		t.Fatalf("after stop: running %d, startedAt %v, stoppedAt %v", st.RunningSeconds, st.StartedAt, st.StoppedAt)
	}
	e.Status = st
	e.Spec.Blueprint.Services[0].Resources.Requests = staxv1.ResourceList{}
	r := recordFor(e, start.Add(time.Hour))
	if r.RunningSeconds != 190 || r.Usage.ReplicaHours != "0.1583" {
		t.Fatalf("record: running %d, replica-hours %s", r.RunningSeconds, r.Usage.ReplicaHours)
	}
}

// A Ready status keeps its blueprint and generation for diagnose's
// rollbacks; a status that is not Ready keeps the last one.
func TestLastReadyBlueprint(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	healthy := []runtime.ServiceState{svc("db", 1, 1, 0, runtime.HealthHealthy, ""), svc("api", 2, 2, 0, runtime.HealthHealthy, "")}
	e := env(staxv1.EnvironmentProvisioning, false)
	st := nextStatus(e, observation{state: runtime.EnvironmentState{Services: healthy}, now: now})
	if st.LastReady == nil || st.LastReady.Generation != 2 || len(st.LastReady.Blueprint.Services) != 2 {
		t.Fatalf("lastReady %+v", st.LastReady)
	}
	e.Status = st
	e.Generation = 3
	e.Spec.Blueprint.Services[1].Command = []string{"broken"}
	crashing := []runtime.ServiceState{healthy[0], svc("api", 2, 0, 3, runtime.HealthUnhealthy, "CrashLoop")}
	st = nextStatus(e, observation{state: runtime.EnvironmentState{Services: crashing}, now: now})
	if st.Phase != staxv1.EnvironmentDegraded || st.LastReady == nil || st.LastReady.Generation != 2 || st.LastReady.Blueprint.Services[1].Command != nil {
		t.Fatalf("phase %s, lastReady %+v", st.Phase, st.LastReady)
	}
}

// A blueprint too large to copy safely is not kept for rollbacks.
func TestLastReadyBlueprintBounded(t *testing.T) {
	e := env(staxv1.EnvironmentProvisioning, false)
	e.Spec.Blueprint.Services[0].Args = []string{strings.Repeat("x", maxLastReadyBytes)}
	healthy := []runtime.ServiceState{svc("db", 1, 1, 0, runtime.HealthHealthy, ""), svc("api", 2, 2, 0, runtime.HealthHealthy, "")}
	st := nextStatus(e, observation{state: runtime.EnvironmentState{Services: healthy}, now: time.Now()})
	if st.Phase != staxv1.EnvironmentReady || st.LastReady != nil {
		t.Fatalf("phase %s, lastReady kept: %v", st.Phase, st.LastReady != nil)
	}
}

func TestServiceMessages(t *testing.T) {
	e := env(staxv1.EnvironmentPending, false)
	starting := svc("db", 1, 0, 0, runtime.HealthUnknown, "Starting")
	crash := svc("api", 2, 1, 3, runtime.HealthUnhealthy, "CrashLoop")
	crash.Message = "exit status 2"
	st := nextStatus(e, observation{state: runtime.EnvironmentState{Services: []runtime.ServiceState{starting, crash}}})
	got := map[string]string{}
	for _, s := range st.Services {
		got[s.Name] = s.Message
	}
	if got["db"] != "Starting" || got["api"] != "CrashLoop: exit status 2" {
		t.Errorf("messages %q", got)
	}
}
