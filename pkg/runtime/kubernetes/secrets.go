package kubernetes

import (
	"context"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/microstax/stax/pkg/runtime"
)

// secretName is the core Secret that holds a service's secret variables,
// keyed by variable name; the Deployment refers to it (secretKeyRef), so no
// value is in its spec.
func secretName(service string) string { return service + "-secrets" }

// secretOf is the Secret of a service's secret variables; nil when it has none.
func secretOf(plan runtime.Plan, s runtime.ServicePlan, ns string) *corev1ac.SecretApplyConfiguration {
	data := map[string]string{}
	for _, e := range s.Env {
		if e.Secret {
			data[e.Name] = e.Value
		}
	}
	if len(data) == 0 {
		return nil
	}
	labels := maps.Clone(serviceLabels(plan.Organization, plan.Environment, s.Name))
	labels[LabelManagedBy] = managedByValue
	return corev1ac.Secret(secretName(s.Name), ns).WithLabels(labels).
		WithType(corev1.SecretTypeOpaque).WithStringData(data)
}

// applySecret writes the service's Secret, or deletes it when the service
// has no secret variable any more.
func (r *Runtime) applySecret(ctx context.Context, plan runtime.Plan, s runtime.ServicePlan, ns string) error {
	if sec := secretOf(plan, s, ns); sec != nil {
		_, err := r.client.CoreV1().Secrets(ns).Apply(ctx, sec, applyOptions)
		return err
	}
	return r.deleteSecret(ctx, ns, secretName(s.Name))
}

// pruneSecrets deletes the Secrets of services no longer planned.
func (r *Runtime) pruneSecrets(ctx context.Context, plan runtime.Plan, ns string, inPlan map[string]bool) error {
	list, err := r.client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{
		LabelSelector: selector(envLabels(plan.Organization, plan.Environment))})
	if err != nil {
		return err
	}
	for _, s := range list.Items {
		if !inPlan[s.Labels[LabelService]] {
			if err := r.deleteSecret(ctx, ns, s.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Runtime) deleteSecret(ctx context.Context, ns, name string) error {
	err := r.client.CoreV1().Secrets(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// SecretValues implements runtime.Runtime: the values of the Secrets Apply
// wrote into the environment's namespace.
func (r *Runtime) SecretValues(ctx context.Context, org, env string) ([]string, error) {
	ns := NamespaceName(org, env)
	list, err := r.client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: selector(envLabels(org, env))})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range list.Items {
		if s.Type == StubCredentialType {
			// Its kubeconfig is no secret, and hiding its lines would
			// hide ordinary log lines.
			if v, ok := s.Data[stubKeyToken]; ok {
				out = append(out, string(v))
			}
			if v, ok := s.StringData[stubKeyToken]; ok {
				out = append(out, v)
			}
			continue
		}
		for _, v := range s.Data {
			out = append(out, string(v))
		}
		for _, v := range s.StringData {
			out = append(out, v)
		}
	}
	return out, nil
}
