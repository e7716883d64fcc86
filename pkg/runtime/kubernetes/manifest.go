package kubernetes

import (
	"fmt"
	"maps"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	"github.com/microstax/stax/pkg/runtime"
)

// validate refuses a plan the cluster could not run, before anything is
// written, so that a refusal leaves the environment as it was: the plan's
// own check, and images, which only this runtime needs (a stub service's
// is the runtime's own: see stubbed).
func validate(plan runtime.Plan) error {
	if err := plan.Validate(); err != nil {
		return err
	}
	for _, s := range plan.Services {
		if s.Image == "" {
			return fmt.Errorf("service %s has no image; the kubernetes runtime runs container images", s.Name)
		}
	}
	return nil
}

func resourceList(l runtime.ResourceList) corev1.ResourceList {
	if len(l) == 0 {
		return nil
	}
	out := make(corev1.ResourceList, len(l))
	for k, q := range l {
		out[corev1.ResourceName(k)] = q
	}
	return out
}

// deployment is the desired Deployment of one service.
func deployment(plan runtime.Plan, s runtime.ServicePlan, ns string, replicas int32) *appsv1ac.DeploymentApplyConfiguration {
	labels := serviceLabels(plan.Organization, plan.Environment, s.Name)
	all := maps.Clone(labels)
	all[LabelManagedBy] = managedByValue
	pod := corev1ac.PodSpec()
	c := container(plan, s, ns)
	withStubMount(s, pod, c) // before WithContainers, which copies c
	pod.WithContainers(c)
	return appsv1ac.Deployment(s.Name, ns).
		WithLabels(all).
		WithSpec(appsv1ac.DeploymentSpec().
			WithReplicas(replicas).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(labels)).
			WithTemplate(corev1ac.PodTemplateSpec().
				WithLabels(all).
				WithSpec(pod)))
}

func container(plan runtime.Plan, s runtime.ServicePlan, ns string) *corev1ac.ContainerApplyConfiguration {
	c := corev1ac.Container().WithName(s.Name).WithImage(s.Image)
	if len(s.Command) > 0 {
		c.WithCommand(s.Command...)
	}
	if len(s.Args) > 0 {
		c.WithArgs(s.Args...)
	}
	for _, e := range environ(plan, s, ns) {
		if e.Secret {
			// The value stays in the service's Secret (secretOf).
			c.WithEnv(corev1ac.EnvVar().WithName(e.Name).WithValueFrom(corev1ac.EnvVarSource().
				WithSecretKeyRef(corev1ac.SecretKeySelector().WithName(secretName(s.Name)).WithKey(e.Name))))
			continue
		}
		c.WithEnv(corev1ac.EnvVar().WithName(e.Name).WithValue(e.Value))
	}
	for _, p := range s.Ports {
		cp := corev1ac.ContainerPort().WithContainerPort(p.Port).WithProtocol(protocol(p.Protocol))
		// Container port names are stricter (15 characters) than service
		// port names; an unfit one is left off, the number still works.
		if p.Name != "" && len(validation.IsValidPortName(p.Name)) == 0 {
			cp.WithName(p.Name)
		}
		c.WithPorts(cp)
	}
	requests, limits := resourceList(s.Requests), resourceList(s.Limits)
	if requests != nil || limits != nil {
		rr := corev1ac.ResourceRequirements()
		if requests != nil {
			rr.WithRequests(requests)
		}
		if limits != nil {
			rr.WithLimits(limits)
		}
		c.WithResources(rr)
	}
	if s.Health != nil {
		c.WithReadinessProbe(probe(s))
	}
	return c
}

// environ is the contract's environment (runtime.Environ) with the
// declared ports and in-cluster addresses.
func environ(plan runtime.Plan, s runtime.ServicePlan, ns string) []runtime.EnvVar {
	ports := make([]int32, len(s.Ports))
	for i, p := range s.Ports {
		ports[i] = p.Port
	}
	return runtime.Environ(plan.Organization, plan.Environment, s, runtime.Wiring{Ports: ports, Replica: -1,
		DependencyURL: func(dep string) string {
			if ep := endpoint(plan, dep, ns); ep != "" {
				return "http://" + ep
			}
			// An overlay reaches what it shares in the baseline's namespace.
			if sh, ok := plan.Shared(dep); ok && sh.Port != 0 {
				return "http://" + serviceAddress(dep, NamespaceName(plan.Organization, plan.Baseline.Environment), sh.Port)
			}
			return ""
		}})
}

// endpoint is the in-cluster address of a service's first port; empty
// when it has none.
func endpoint(plan runtime.Plan, name, ns string) string {
	for _, s := range plan.Services {
		if s.Name == name && len(s.Ports) > 0 {
			return serviceAddress(name, ns, s.Ports[0].Port)
		}
	}
	return ""
}

func serviceAddress(name, ns string, port int32) string {
	return name + "." + ns + ".svc:" + strconv.Itoa(int(port))
}

func probe(s runtime.ServicePlan) *corev1ac.ProbeApplyConfiguration {
	h := s.Health
	i, _ := s.ProbePort() // validate checked it
	port := s.Ports[i].Port
	pr := corev1ac.Probe()
	if h.HTTPPath != "" {
		pr.WithHTTPGet(corev1ac.HTTPGetAction().WithPath(h.HTTPPath).WithPort(intstr.FromInt32(port)))
	} else {
		pr.WithTCPSocket(corev1ac.TCPSocketAction().WithPort(intstr.FromInt32(port)))
	}
	if secs := int32(h.Period.Seconds()); secs > 0 {
		pr.WithPeriodSeconds(secs)
	}
	if h.FailureThreshold > 0 {
		pr.WithFailureThreshold(int32(h.FailureThreshold))
	}
	return pr
}

// service is the ClusterIP Service of one service with ports.
func service(plan runtime.Plan, s runtime.ServicePlan, ns string) *corev1ac.ServiceApplyConfiguration {
	labels := serviceLabels(plan.Organization, plan.Environment, s.Name)
	all := maps.Clone(labels)
	all[LabelManagedBy] = managedByValue
	spec := corev1ac.ServiceSpec().WithSelector(labels)
	for i, p := range s.Ports {
		name := p.Name
		if name == "" {
			// Several ports need names; the index keeps them unique.
			name = "port-" + strconv.Itoa(i)
		}
		spec.WithPorts(corev1ac.ServicePort().WithName(name).WithPort(p.Port).
			WithTargetPort(intstr.FromInt32(p.Port)).WithProtocol(protocol(p.Protocol)))
	}
	return corev1ac.Service(s.Name, ns).WithLabels(all).WithSpec(spec)
}

func protocol(p string) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return corev1.Protocol(p)
}
