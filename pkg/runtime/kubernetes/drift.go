package kubernetes

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/microstax/stax/pkg/runtime"
)

var _ runtime.DriftDetector = (*Runtime)(nil)
var _ runtime.DriftRecorder = (*Runtime)(nil)

// Drift compares each service's Deployment and Service with what Apply
// writes for plan: replicas, the container's image, command, environment
// and ports, the Service's ports, and a Deployment or Service that is gone.
// A Deployment Stop scaled to zero is not compared for replicas.
func (r *Runtime) Drift(ctx context.Context, plan runtime.Plan) ([]runtime.Drift, error) {
	ns := NamespaceName(plan.Organization, plan.Environment)
	if _, err := r.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); isNotFound(err) {
		return nil, fmt.Errorf("namespace %s: %w", ns, runtime.ErrNotFound)
	} else if err != nil {
		return nil, err
	}
	plan = r.stubbed(plan)
	var out []runtime.Drift
	for _, s := range plan.Services {
		d, err := r.client.AppsV1().Deployments(ns).Get(ctx, s.Name, metav1.GetOptions{})
		switch {
		case isNotFound(err):
			out = append(out, runtime.Drift{Service: s.Name, Field: runtime.DriftMissing, Expected: "Deployment " + s.Name, Actual: "deleted"})
		case err != nil:
			return nil, err
		default:
			out = append(out, deploymentDrift(plan, s, ns, d)...)
		}
		if len(s.Ports) == 0 {
			continue
		}
		svc, err := r.client.CoreV1().Services(ns).Get(ctx, s.Name, metav1.GetOptions{})
		switch {
		case isNotFound(err):
			out = append(out, runtime.Drift{Service: s.Name, Field: runtime.DriftMissing, Expected: "Service " + s.Name, Actual: "deleted"})
		case err != nil:
			return nil, err
		default:
			out = append(out, serviceDrift(plan, s, ns, svc)...)
		}
	}
	return out, nil
}

// Remediate applies plan again: server-side apply with force takes back
// every field another manager changed and recreates what was deleted.
func (r *Runtime) Remediate(ctx context.Context, plan runtime.Plan, _ []runtime.Drift) error {
	return r.Apply(ctx, plan)
}

// deploymentDrift compares a live Deployment with the one Apply writes.
func deploymentDrift(plan runtime.Plan, s runtime.ServicePlan, ns string, d *appsv1.Deployment) []runtime.Drift {
	var out []runtime.Drift
	add := func(field, expected, actual string) {
		out = append(out, runtime.Drift{Service: s.Name, Field: field, Expected: expected, Actual: actual})
	}
	if _, stopped := recordedReplicas(d); !stopped {
		live := int32(1)
		if d.Spec.Replicas != nil {
			live = *d.Spec.Replicas
		}
		if live != s.Replicas {
			add(runtime.DriftReplicas, strconv.Itoa(int(s.Replicas)), strconv.Itoa(int(live)))
		}
	}
	want := container(plan, s, ns)
	i := slices.IndexFunc(d.Spec.Template.Spec.Containers, func(c corev1.Container) bool { return c.Name == s.Name })
	if i < 0 {
		add(runtime.DriftImage, s.Image, "no container "+s.Name)
		return out
	}
	c := d.Spec.Template.Spec.Containers[i]
	if c.Image != s.Image {
		add(runtime.DriftImage, s.Image, c.Image)
	}
	if !slices.Equal(c.Command, want.Command) || !slices.Equal(c.Args, want.Args) {
		add(runtime.DriftCommand, argv(want.Command, want.Args), argv(c.Command, c.Args))
	}
	if expected, actual := envDiff(want.Env, c.Env); expected != "" || actual != "" {
		add(runtime.DriftEnv, expected, actual)
	}
	var wantPorts, livePorts []string
	for _, p := range want.Ports {
		wantPorts = append(wantPorts, portString(*p.ContainerPort, *p.Protocol))
	}
	for _, p := range c.Ports {
		livePorts = append(livePorts, portString(p.ContainerPort, p.Protocol))
	}
	if !sameSet(wantPorts, livePorts) {
		add(runtime.DriftPorts, strings.Join(wantPorts, ","), strings.Join(livePorts, ","))
	}
	return out
}

// serviceDrift compares a live Service's ports with the ones Apply writes.
func serviceDrift(plan runtime.Plan, s runtime.ServicePlan, ns string, svc *corev1.Service) []runtime.Drift {
	var want, live []string
	for _, p := range service(plan, s, ns).Spec.Ports {
		want = append(want, servicePortString(*p.Port, p.TargetPort.String(), *p.Protocol))
	}
	for _, p := range svc.Spec.Ports {
		live = append(live, servicePortString(p.Port, p.TargetPort.String(), p.Protocol))
	}
	if sameSet(want, live) {
		return nil
	}
	return []runtime.Drift{{Service: s.Name, Field: runtime.DriftPorts,
		Expected: "Service " + strings.Join(want, ","), Actual: "Service " + strings.Join(live, ",")}}
}

// envDiff names the variables that differ. A plain variable shows its
// value; one from a Secret only its name, and it differs when it no longer
// comes from the service's Secret.
func envDiff(want []corev1ac.EnvVarApplyConfiguration, live []corev1.EnvVar) (expected, actual string) {
	show := func(name string, value *string, from bool) string {
		if from {
			return name + " (from a secret)"
		}
		if value == nil {
			return name + "="
		}
		return name + "=" + *value
	}
	liveBy := map[string]corev1.EnvVar{}
	for _, e := range live {
		liveBy[e.Name] = e
	}
	var exp, act []string
	wanted := map[string]bool{}
	for _, w := range want {
		name := *w.Name
		wanted[name] = true
		l, ok := liveBy[name]
		wantFrom := w.ValueFrom != nil && w.ValueFrom.SecretKeyRef != nil
		liveFrom := l.ValueFrom != nil && l.ValueFrom.SecretKeyRef != nil
		same := ok
		switch {
		case !ok:
		case wantFrom:
			same = liveFrom && l.ValueFrom.SecretKeyRef.Name == *w.ValueFrom.SecretKeyRef.Name && l.ValueFrom.SecretKeyRef.Key == *w.ValueFrom.SecretKeyRef.Key
		default:
			same = l.ValueFrom == nil && l.Value == deref(w.Value)
		}
		if same {
			continue
		}
		exp = append(exp, show(name, w.Value, wantFrom))
		if ok {
			act = append(act, show(name, &l.Value, l.ValueFrom != nil))
		} else {
			act = append(act, name+" unset")
		}
	}
	for _, l := range live {
		if !wanted[l.Name] {
			act = append(act, show(l.Name, &l.Value, l.ValueFrom != nil))
		}
	}
	return strings.Join(exp, " "), strings.Join(act, " ")
}

// RecordDrift writes an Event in the environment's namespace about each
// drifted Deployment (Warning "Drifted") or its restoration (Normal
// "DriftRemediated").
func (r *Runtime) RecordDrift(ctx context.Context, org, env string, drift []runtime.Drift, remediated bool) error {
	ns := NamespaceName(org, env)
	typ, reason, verb := corev1.EventTypeWarning, "Drifted", "drifted from the plan"
	if remediated {
		typ, reason, verb = corev1.EventTypeNormal, "DriftRemediated", "restored to the plan"
	}
	byService := map[string][]string{}
	var order []string
	for _, d := range drift {
		if _, ok := byService[d.Service]; !ok {
			order = append(order, d.Service)
		}
		byService[d.Service] = append(byService[d.Service], fmt.Sprintf("%s: want %s, have %s", d.Field, d.Expected, d.Actual))
	}
	now := metav1.NewTime(time.Now())
	for _, svc := range order {
		ev := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{GenerateName: svc + ".", Namespace: ns, Labels: serviceLabels(org, env, svc)},
			InvolvedObject: corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: svc},
			Type:           typ, Reason: reason,
			Message:        fmt.Sprintf("service %s %s: %s", svc, verb, strings.Join(byService[svc], "; ")),
			Source:         corev1.EventSource{Component: "stax-drift"},
			FirstTimestamp: now, LastTimestamp: now, Count: 1,
		}
		if _, err := r.client.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func argv(command, args []string) string {
	return strings.Join(append(append([]string(nil), command...), args...), " ")
}

func portString(port int32, proto corev1.Protocol) string {
	return strconv.Itoa(int(port)) + "/" + string(protocol(string(proto)))
}

func servicePortString(port int32, target string, proto corev1.Protocol) string {
	return strconv.Itoa(int(port)) + "->" + target + "/" + string(protocol(string(proto)))
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
