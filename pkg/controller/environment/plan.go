package environment

import (
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/runtime"
)

// planFor turns an Environment's blueprint into what a runtime runs. The
// API's defaulter fills what the blueprint leaves out (replicas, probe
// period and threshold), so those defaults have one home; quantities are
// parsed here, once, for every runtime and for the records.
func planFor(env *staxv1.Environment) runtime.Plan {
	defaulted := &staxv1.Environment{Spec: staxv1.EnvironmentSpec{Blueprint: *env.Spec.Blueprint.DeepCopy()}}
	staxv1.SetObjectDefaults_Environment(defaulted)
	plan := runtime.Plan{Organization: env.Namespace, Environment: env.Name}
	for _, s := range defaulted.Spec.Blueprint.Services {
		sp := runtime.ServicePlan{
			Name:      s.Name,
			Image:     s.Image,
			Command:   s.Command,
			Args:      s.Args,
			Stub:      stubService(s.Stub),
			Replicas:  *s.Replicas,
			DependsOn: s.DependsOn,
			Requests:  quantities(s.Resources.Requests),
			Limits:    quantities(s.Resources.Limits),
		}
		for _, e := range s.Env {
			// A secret variable's value is filled by resolveSecrets, for
			// the runtime only.
			secret := e.ValueFrom != nil && e.ValueFrom.SecretRef != nil
			sp.Env = append(sp.Env, runtime.EnvVar{Name: e.Name, Value: e.Value, Secret: secret})
		}
		for _, p := range s.Ports {
			sp.Ports = append(sp.Ports, runtime.Port{Name: p.Name, Port: p.Port, Protocol: string(p.Protocol), AppProtocol: p.AppProtocol})
		}
		if h := s.Health; h != nil {
			hc := &runtime.HealthCheck{
				Period:           time.Duration(h.PeriodSeconds) * time.Second,
				FailureThreshold: int(h.FailureThreshold),
			}
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

// quantities parses a blueprint's resource values; validation refused any
// that do not parse, so none is dropped here but a corrupt stored one.
func quantities(l staxv1.ResourceList) runtime.ResourceList {
	if len(l) == 0 {
		return nil
	}
	out := make(runtime.ResourceList, len(l))
	for k, v := range l {
		if q, err := validation.ParseQuantity(v); err == nil {
			out[k] = q
		}
	}
	return out
}
