package kubernetes

import (
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/microstax/stax/pkg/runtime"
)

func driftPlan() runtime.Plan {
	return runtime.Plan{Organization: "acme", Environment: "demo", Services: []runtime.ServicePlan{
		{Name: "db", Image: "postgres:17", Replicas: 1, Ports: []runtime.Port{{Name: "pg", Port: 5432}}},
		{Name: "api", Image: "ghcr.io/acme/api:1", Replicas: 2, DependsOn: []string{"db"},
			Command: []string{"/api"}, Args: []string{"--serve"},
			Env:   []runtime.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "TOKEN", Value: "s3cret", Secret: true}},
			Ports: []runtime.Port{{Name: "http", Port: 8080}}},
	}}
}

// applied is what the cluster holds right after Apply: the apply
// configurations as objects.
func applied(t *testing.T, plan runtime.Plan, i int) (*appsv1.Deployment, *corev1.Service) {
	t.Helper()
	ns := NamespaceName(plan.Organization, plan.Environment)
	s := plan.Services[i]
	var d appsv1.Deployment
	var svc corev1.Service
	for _, c := range []struct {
		from interface{}
		to   interface{}
	}{{deployment(plan, s, ns, s.Replicas), &d}, {service(plan, s, ns), &svc}} {
		b, err := json.Marshal(c.from)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, c.to); err != nil {
			t.Fatal(err)
		}
	}
	return &d, &svc
}

// TestDeploymentDrift: each kind of change made by hand to a Deployment is
// one drift of its field; what Apply wrote, and a Stop, are none.
func TestDeploymentDrift(t *testing.T) {
	plan := driftPlan()
	ns := NamespaceName("acme", "demo")
	for _, tc := range []struct {
		name             string
		mutate           func(*appsv1.Deployment)
		field            string
		expected, actual string
	}{
		{"as applied", func(*appsv1.Deployment) {}, "", "", ""},
		{"stopped", func(d *appsv1.Deployment) {
			d.Annotations = map[string]string{AnnotationReplicas: "2"}
			d.Spec.Replicas = new(int32)
		}, "", "", ""},
		{"kubectl scale", func(d *appsv1.Deployment) { five := int32(5); d.Spec.Replicas = &five }, runtime.DriftReplicas, "2", "5"},
		{"kubectl set image", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "ghcr.io/acme/api:2" },
			runtime.DriftImage, "ghcr.io/acme/api:1", "ghcr.io/acme/api:2"},
		{"command", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Args = []string{"--debug"} },
			runtime.DriftCommand, "/api --serve", "/api --debug"},
		{"env changed", func(d *appsv1.Deployment) { setEnv(d, "LOG_LEVEL", "debug") }, runtime.DriftEnv, "LOG_LEVEL=info", "LOG_LEVEL=debug"},
		{"env added", func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "DEBUG", Value: "1"})
		}, runtime.DriftEnv, "", "DEBUG=1"},
		{"env removed", func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.Env = c.Env[1:]
		}, runtime.DriftEnv, "LOG_LEVEL=info", "LOG_LEVEL unset"},
		// A secret's value never shows: only that it no longer comes from the Secret.
		{"secret replaced by a value", func(d *appsv1.Deployment) { setEnv(d, "TOKEN", "guess") },
			runtime.DriftEnv, "TOKEN (from a secret)", "TOKEN=guess"},
		{"ports", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort = 9090 },
			runtime.DriftPorts, "8080/TCP", "9090/TCP"},
		{"container renamed", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Name = "other" },
			runtime.DriftImage, "ghcr.io/acme/api:1", "no container api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := applied(t, plan, 1)
			tc.mutate(d)
			got := deploymentDrift(plan, plan.Services[1], ns, d)
			if tc.field == "" {
				if len(got) != 0 {
					t.Fatalf("drift where there is none: %+v", got)
				}
				return
			}
			want := runtime.Drift{Service: "api", Field: tc.field, Expected: tc.expected, Actual: tc.actual}
			if len(got) != 1 || got[0] != want {
				t.Fatalf("got %+v, want [%+v]", got, want)
			}
		})
	}
}

func setEnv(d *appsv1.Deployment, name, value string) {
	c := &d.Spec.Template.Spec.Containers[0]
	for i := range c.Env {
		if c.Env[i].Name == name {
			c.Env[i] = corev1.EnvVar{Name: name, Value: value}
		}
	}
}

// TestServiceDrift: a Service's ports changed by hand are drift.
func TestServiceDrift(t *testing.T) {
	plan := driftPlan()
	ns := NamespaceName("acme", "demo")
	_, svc := applied(t, plan, 0)
	if got := serviceDrift(plan, plan.Services[0], ns, svc); len(got) != 0 {
		t.Fatalf("drift of the applied Service: %+v", got)
	}
	svc.Spec.Ports[0].TargetPort = intstr.FromInt32(6543)
	got := serviceDrift(plan, plan.Services[0], ns, svc)
	want := runtime.Drift{Service: "db", Field: runtime.DriftPorts, Expected: "Service 5432->5432/TCP", Actual: "Service 5432->6543/TCP"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("got %+v, want [%+v]", got, want)
	}
}
