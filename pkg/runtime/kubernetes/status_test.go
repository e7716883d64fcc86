package kubernetes

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/runtime"
)

func testDeployment(replicas, ready int32, annotations map[string]string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "api", Labels: map[string]string{LabelService: "api"}, Annotations: annotations},
		Spec:       appsv1.DeploymentSpec{Replicas: &replicas},
		Status:     appsv1.DeploymentStatus{ReadyReplicas: ready},
	}
}

func waitingPod(name, reason string, restarts int32) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{
		ContainerStatuses: []corev1.ContainerStatus{{Name: "api", RestartCount: restarts,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}}}}
}

func TestServiceState(t *testing.T) {
	for _, tc := range []struct {
		name           string
		d              *appsv1.Deployment
		pods           []*corev1.Pod
		health, reason string
		restarts       int32
	}{
		{"ready", testDeployment(2, 2, nil), nil, runtime.HealthHealthy, "", 0},
		{"stopped", testDeployment(0, 0, map[string]string{AnnotationReplicas: "2"}), nil, runtime.HealthStopped, "", 0},
		// Zero replicas without a record was not Stop's doing.
		{"zero, not stopped", testDeployment(0, 0, nil), nil, runtime.HealthWaiting, "", 0},
		{"starting", testDeployment(1, 0, nil), []*corev1.Pod{waitingPod("a", "ContainerCreating", 0)}, runtime.HealthWaiting, "", 0},
		{"crash loop", testDeployment(2, 1, nil), []*corev1.Pod{waitingPod("b", "CrashLoopBackOff", 4), waitingPod("a", "ImagePullBackOff", 1)},
			runtime.HealthUnhealthy, "ImagePullBackOff", 5},
	} {
		s := serviceState(tc.d, tc.pods)
		if s.Health != tc.health || s.Reason != tc.reason || s.Restarts != tc.restarts {
			t.Errorf("%s: got %s/%q restarts %d, want %s/%q restarts %d", tc.name, s.Health, s.Reason, s.Restarts, tc.health, tc.reason, tc.restarts)
		}
	}
}
