package kubernetes

import (
	"context"
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/runtime"
)

// failureReasons are container waiting or terminated reasons that mean the
// replica will not become ready without a change; others (ContainerCreating,
// PodInitializing, Completed) are on the way.
var failureReasons = map[string]bool{
	"CrashLoopBackOff":           true,
	"ImagePullBackOff":           true,
	"ErrImagePull":               true,
	"InvalidImageName":           true,
	"ErrImageNeverPull":          true,
	"CreateContainerConfigError": true,
	"CreateContainerError":       true,
	"RunContainerError":          true,
	"Error":                      true,
	"OOMKilled":                  true,
	"ContainerCannotRun":         true,
}

// Status reports each service from its Deployment and pods, in plan order.
func (r *Runtime) Status(ctx context.Context, org, env string) (runtime.EnvironmentState, error) {
	ns := NamespaceName(org, env)
	nsObj, err := r.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return runtime.EnvironmentState{}, fmt.Errorf("namespace %s: %w", ns, runtime.ErrNotFound)
	} else if err != nil {
		return runtime.EnvironmentState{}, err
	}
	sel := metav1.ListOptions{LabelSelector: selector(envLabels(org, env))}
	deps, err := r.client.AppsV1().Deployments(ns).List(ctx, sel)
	if err != nil {
		return runtime.EnvironmentState{}, err
	}
	pods, err := r.client.CoreV1().Pods(ns).List(ctx, sel)
	if err != nil {
		return runtime.EnvironmentState{}, err
	}
	podsOf := map[string][]*corev1.Pod{}
	for i := range pods.Items {
		p := &pods.Items[i]
		podsOf[p.Labels[LabelService]] = append(podsOf[p.Labels[LabelService]], p)
	}
	svcs, err := r.client.CoreV1().Services(ns).List(ctx, sel)
	if err != nil {
		return runtime.EnvironmentState{}, err
	}
	ports := map[string]int32{}
	for _, s := range svcs.Items {
		if len(s.Spec.Ports) > 0 {
			ports[s.Name] = s.Spec.Ports[0].Port
		}
	}

	byName := map[string]*appsv1.Deployment{}
	for i := range deps.Items {
		byName[deps.Items[i].Labels[LabelService]] = &deps.Items[i]
	}
	var st runtime.EnvironmentState
	for _, name := range order(nsObj.Annotations[AnnotationServices], byName) {
		d := byName[name]
		if d == nil {
			continue
		}
		s := serviceState(d, podsOf[name])
		if p, ok := ports[name]; ok {
			s.Endpoint = serviceAddress(name, ns, p)
		}
		st.Services = append(st.Services, s)
	}
	return st, nil
}

// order is the plan's order from the namespace annotation, then any other
// Deployment by name.
func order(annotation string, deps map[string]*appsv1.Deployment) []string {
	var names []string
	seen := map[string]bool{}
	for _, n := range strings.Split(annotation, ",") {
		if n != "" && !seen[n] {
			names, seen[n] = append(names, n), true
		}
	}
	var rest []string
	for n := range deps {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}

func serviceState(d *appsv1.Deployment, pods []*corev1.Pod) runtime.ServiceState {
	s := runtime.ServiceState{Name: d.Labels[LabelService], Desired: 1, Ready: d.Status.ReadyReplicas}
	if d.Spec.Replicas != nil {
		s.Desired = *d.Spec.Replicas
	}
	for _, p := range pods {
		for _, c := range p.Status.ContainerStatuses {
			s.Restarts += c.RestartCount
		}
	}
	s.LastTermination = lastTermination(pods) // diagnose.go
	_, stopped := recordedReplicas(d)
	switch {
	case stopped && s.Desired == 0:
		s.Health = runtime.HealthStopped
	case s.Desired > 0 && s.Ready >= s.Desired:
		s.Health = runtime.HealthHealthy
	default:
		s.Health = runtime.HealthWaiting
		if reason, msg := failure(pods); reason != "" {
			s.Health, s.Reason, s.Message = runtime.HealthUnhealthy, reason, msg
		} else if msg := unschedulable(pods); msg != "" {
			s.Reason, s.Message = "Unschedulable", msg
		}
	}
	return s
}

// failure is the first failure reason of a container of pods, by pod name.
func failure(pods []*corev1.Pod) (reason, message string) {
	sorted := append([]*corev1.Pod(nil), pods...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, p := range sorted {
		if p.DeletionTimestamp != nil {
			continue
		}
		for _, c := range p.Status.ContainerStatuses {
			if c.Ready {
				continue
			}
			var reason, msg string
			switch {
			case c.State.Waiting != nil:
				reason, msg = c.State.Waiting.Reason, c.State.Waiting.Message
			case c.State.Terminated != nil:
				reason, msg = c.State.Terminated.Reason, c.State.Terminated.Message
			}
			if failureReasons[reason] {
				m := fmt.Sprintf("pod %s: container %s: %s; restarted %d times", p.Name, c.Name, reason, c.RestartCount)
				if msg != "" {
					m += ": " + msg
				}
				return reason, m
			}
		}
	}
	return "", ""
}

// unschedulable is the scheduler's message for a pod it cannot place.
func unschedulable(pods []*corev1.Pod) string {
	for _, p := range pods {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				return fmt.Sprintf("pod %s: %s", p.Name, c.Message)
			}
		}
	}
	return ""
}
