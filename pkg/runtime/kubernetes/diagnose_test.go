package kubernetes

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestLastTermination(t *testing.T) {
	at := func(s int) metav1.Time { return metav1.NewTime(time.Unix(int64(s), 0)) }
	pods := []*corev1.Pod{
		{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", FinishedAt: at(10)}}}}}},
		{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled", FinishedAt: at(20)}}}}}},
		{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}},
	}
	got := lastTermination(pods)
	if got == nil || got.ExitCode != 137 || got.Reason != "OOMKilled" {
		t.Fatalf("got %+v, want the OOMKilled exit", got)
	}
	if lastTermination(pods[2:]) != nil {
		t.Fatal("a running container has no termination")
	}
	s := serviceState(testDeployment(1, 0, nil), pods)
	if s.LastTermination == nil || s.LastTermination.Reason != "OOMKilled" || s.Health != "Unhealthy" || s.Reason != "OOMKilled" {
		t.Fatalf("service state %+v", s)
	}
}

func TestPodEvents(t *testing.T) {
	ev := func(kind, name, reason string, s int64) corev1.Event {
		return corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: kind, Name: name}, Type: "Warning", Reason: reason,
			Message: reason + " message", Count: 2, LastTimestamp: metav1.NewTime(time.Unix(s, 0))}
	}
	got := podEvents([]corev1.Event{ev("Pod", "api-1", "BackOff", 20), ev("Pod", "db-1", "Failed", 10), ev("Deployment", "api", "ScalingReplicaSet", 5), ev("Pod", "other", "X", 1)},
		map[string]string{"api-1": "api", "db-1": "db"})
	if len(got) != 2 || got[0].Service != "db" || got[1].Service != "api" || got[1].Message != "pod api-1: BackOff message" {
		t.Fatalf("events %+v", got)
	}
}
