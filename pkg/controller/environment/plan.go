package environment

import (
	"k8s.io/apimachinery/pkg/util/intstr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

// planFor turns an Environment's blueprint into what a runtime runs.
func planFor(env *staxv1.Environment) runtime.Plan {
	plan := runtime.Plan{Organization: env.Namespace, Environment: env.Name}
	for _, s := range env.Spec.Blueprint.Services {
		sp := runtime.ServicePlan{
			Name:      s.Name,
			Image:     s.Image,
			Command:   s.Command,
			Args:      s.Args,
			Replicas:  1,
			DependsOn: s.DependsOn,
		}
		if s.Replicas != nil {
			sp.Replicas = *s.Replicas
		}
		sp.Requests = quantities(s.Resources.Requests)
		sp.Limits = quantities(s.Resources.Limits)
		for _, e := range s.Env {
			sp.Env = append(sp.Env, runtime.EnvVar{Name: e.Name, Value: e.Value})
		}
		for _, p := range s.Ports {
			sp.Ports = append(sp.Ports, runtime.Port{Name: p.Name, Port: p.Port, Protocol: string(p.Protocol)})
		}
		if h := s.Health; h != nil {
			hc := &runtime.HealthCheck{Period: secondsOr(h.PeriodSeconds, 10), FailureThreshold: int(h.FailureThreshold)}
			switch {
			case h.HTTP != nil:
				hc.HTTPPath = h.HTTP.Path
				hc.PortName = portName(s.Ports, h.HTTP.Port)
			case h.TCP != nil:
				hc.PortName = portName(s.Ports, h.TCP.Port)
			}
			sp.Health = hc
		}
		plan.Services = append(plan.Services, sp)
	}
	return plan
}

// portName resolves a probe's port reference (name or number) to the name
// of the service port; validation guarantees one matches.
func portName(ports []staxv1.ServicePort, ref intstr.IntOrString) string {
	for _, p := range ports {
		if (ref.Type == intstr.String && ref.StrVal == p.Name) || (ref.Type == intstr.Int && ref.IntVal == p.Port) {
			return p.Name
		}
	}
	return ""
}

// quantities keeps resource values as written; validation has parsed them.
func quantities(l staxv1.ResourceList) map[string]string {
	if len(l) == 0 {
		return nil
	}
	m := make(map[string]string, len(l))
	for k, v := range l {
		m[k] = v.String()
	}
	return m
}
