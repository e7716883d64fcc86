package kubernetes

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/microstax/stax/pkg/runtime"
)

var (
	_ runtime.Restarter   = (*Runtime)(nil)
	_ runtime.EventLister = (*Runtime)(nil)
)

// AnnotationRestartedAt on a pod template rolls a Deployment's pods, as
// kubectl rollout restart does.
const AnnotationRestartedAt = "stax.microstax.ai/restartedAt"

// Restart implements runtime.Restarter with a rolling restart of the
// service's Deployment.
func (r *Runtime) Restart(ctx context.Context, org, env, service string) error {
	ns := NamespaceName(org, env)
	deps, err := r.client.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{LabelSelector: selector(serviceLabels(org, env, service))})
	if err != nil {
		return err
	}
	if len(deps.Items) == 0 {
		return fmt.Errorf("service %s of %s/%s: %w", service, org, env, runtime.ErrNotFound)
	}
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`, AnnotationRestartedAt, time.Now().UTC().Format(time.RFC3339Nano))
	for _, d := range deps.Items {
		if _, err := r.client.AppsV1().Deployments(ns).Patch(ctx, d.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// Events implements runtime.EventLister: the events of the environment's
// pods, by service, oldest first.
func (r *Runtime) Events(ctx context.Context, org, env string) ([]runtime.Event, error) {
	ns := NamespaceName(org, env)
	pods, err := r.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector(envLabels(org, env))})
	if err != nil {
		return nil, err
	}
	serviceOf := map[string]string{}
	for _, p := range pods.Items {
		serviceOf[p.Name] = p.Labels[LabelService]
	}
	evs, err := r.client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return podEvents(evs.Items, serviceOf), nil
}

// podEvents keeps the events of known pods.
func podEvents(items []corev1.Event, serviceOf map[string]string) []runtime.Event {
	var out []runtime.Event
	for _, e := range items {
		svc, ok := serviceOf[e.InvolvedObject.Name]
		if e.InvolvedObject.Kind != "Pod" || !ok {
			continue
		}
		last := e.LastTimestamp.Time
		if last.IsZero() {
			last = e.EventTime.Time
		}
		out = append(out, runtime.Event{Service: svc, Type: e.Type, Reason: e.Reason,
			Message: strings.TrimSpace(fmt.Sprintf("pod %s: %s", e.InvolvedObject.Name, e.Message)), Count: e.Count, Last: last})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Last.Before(out[j].Last) })
	return out
}

// lastTermination is the latest termination of a container of pods: the
// current state when it is terminated, else the last one kubelet kept.
func lastTermination(pods []*corev1.Pod) *runtime.Termination {
	var last *runtime.Termination
	for _, p := range pods {
		for _, c := range p.Status.ContainerStatuses {
			t := c.State.Terminated
			if t == nil {
				t = c.LastTerminationState.Terminated
			}
			if t == nil {
				continue
			}
			if last == nil || t.FinishedAt.After(last.At) {
				last = &runtime.Termination{ExitCode: t.ExitCode, Reason: t.Reason, At: t.FinishedAt.Time}
				if t.Signal != 0 {
					last.Signal = fmt.Sprint(t.Signal)
				}
			}
		}
	}
	return last
}
