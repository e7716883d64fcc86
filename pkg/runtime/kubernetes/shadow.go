package kubernetes

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	"github.com/microstax/stax/pkg/diffflag"
	"github.com/microstax/stax/pkg/runtime"
	"github.com/microstax/stax/pkg/stubaccess"
)

// An overlay's shadow on a cluster (runtime.ShadowPlan, docs/shadow.md).
// A shadowed service is one the overlay changes, so the router already
// stands before the baseline's Service and sends the baseline's own
// traffic (no routing key) to the direct Service stax-baseline-<svc>
// (router.go). The shadow goes in on that hop only, in the baseline's
// namespace:
//
//   - stax-primary-<svc>, a Service selecting the baseline's own pods:
//     where stax-shadow sends every request (--default);
//   - stax-secondary-<svc>, a Deployment of one replica with the pod spec
//     the runtime wrote for the baseline's Deployment (same image,
//     environment, Secrets, probe; the baseline's wiring and identity),
//     with labels of its own, and its Service: no baseline Service
//     selects it, so it answers only copies;
//   - stax-shadow-<svc>, a Secret of type DiffCredentialType: a diff
//     writer's token of the organization minted at each Apply and again
//     past half its lifetime (RefreshCredentials), and a kubeconfig
//     reading it from the file beside it; and a Deployment of
//     cmd/stax-shadow that mounts it (KUBECONFIG), listens on the
//     service's first port and mirrors to the secondary and to the
//     overlay's Service (the candidate);
//   - the direct Service's selector switched to the stax-shadow pods.
//
// Nothing the baseline runs is restarted or rewritten: its Service, its
// Deployments and the router keep their specs. Switching the shadow off
// (a plan without it or without the service), Stop and Delete of the
// overlay switch the selector back first and then delete these objects,
// found by the label LabelShadowOverlay. One overlay at a time shadows a
// service (stax-shadow mirrors for one overlay): another one's Apply is
// refused while it does. Only HTTP services are mirrored (the overlay's
// first port has appProtocol http), as on the local runtime.

// Labels of the shadow's objects. None carries the baseline's environment
// labels, so the baseline's Apply, Stop, Status and Drift do not see them.
const (
	// LabelShadow names the shadowed service.
	LabelShadow = "stax.microstax.ai/shadow"
	// LabelShadowRole is front (stax-shadow), primary, or secondary.
	LabelShadowRole = "stax.microstax.ai/shadow-role"
	// LabelShadowOverlay names the overlay that shadows the service.
	LabelShadowOverlay = "stax.microstax.ai/shadow-overlay"
)

const (
	roleFront     = "front"
	rolePrimary   = "primary"
	roleSecondary = "secondary"
)

// DefaultShadowImage is the image of cmd/stax-shadow the runtime runs
// unless Config.ShadowImage says otherwise.
const DefaultShadowImage = "ghcr.io/microstax/stax-shadow:latest"

// DiffCredentialType is the type of stax-shadow's credential Secret.
const DiffCredentialType corev1.SecretType = "stax.microstax.ai/diff-credential"

// shadowMount is where stax-shadow reads its credential.
const shadowMount = "/etc/stax-shadow"

const (
	shadowVolume = "stax-shadow"
	// shadowMetricsPort serves stax-shadow's /metrics and /healthz, or
	// the next port when the service's own port is this one.
	shadowMetricsPort int32 = 9090
)

func shadowName(svc string) string    { return prefixedName("stax-shadow-", svc) }
func primaryName(svc string) string   { return prefixedName("stax-primary-", svc) }
func secondaryName(svc string) string { return prefixedName("stax-secondary-", svc) }

// shadowLabels mark an object of the shadow of svc by overlay in role.
func shadowLabels(svc, overlay, role string) map[string]string {
	return map[string]string{LabelManagedBy: managedByValue, LabelShadow: svc,
		LabelShadowRole: role, LabelShadowOverlay: labelValue(overlay)}
}

// shadowPods select the pods of svc's shadow in role; no other overlay's
// shadow of svc can exist, so the overlay is not part of it.
func shadowPods(svc, role string) map[string]string {
	return map[string]string{LabelShadow: svc, LabelShadowRole: role}
}

// shadowTarget is one service the overlay's plan shadows on this runtime.
type shadowTarget struct {
	svc       string
	port      int32  // the baseline Service's first port, which the router sends to
	candidate string // the overlay's Service, host:port
}

// shadowTargets are the services of plan's shadow that can be mirrored:
// HTTP on the overlay's side, with a port on both (as route requires).
func shadowTargets(plan runtime.Plan, ns string) []shadowTarget {
	var out []shadowTarget
	for _, name := range plan.ShadowedServices() {
		var own *runtime.ServicePlan
		for i := range plan.Services {
			if plan.Services[i].Name == name {
				own = &plan.Services[i]
			}
		}
		var port int32
		for _, ch := range plan.Baseline.Changed {
			if ch.Name == name {
				port = ch.Port
			}
		}
		if own == nil || !own.HTTP() || port == 0 {
			continue
		}
		out = append(out, shadowTarget{svc: name, port: port, candidate: endpoint(plan, name, ns)})
	}
	return out
}

// shadowArgs are stax-shadow's flags for target t of plan in baseNs.
func shadowArgs(plan runtime.Plan, t shadowTarget, baseNs string) []string {
	sh := plan.Shadow
	args := []string{"--service", t.svc, "--organization", plan.Organization, "--overlay", plan.Environment,
		"--listen", ":" + strconv.Itoa(int(t.port)), "--metrics-listen", ":" + strconv.Itoa(int(metricsPort(t.port))),
		"--default", serviceAddress(primaryName(t.svc), baseNs, t.port),
		"--secondary", serviceAddress(secondaryName(t.svc), baseNs, t.port),
		"--candidate", t.candidate,
		"--percent", strconv.Itoa(int(sh.Percent))}
	if len(sh.Methods) > 0 {
		args = append(args, "--methods", strings.Join(sh.Methods, ","))
	}
	if sh.AllowUnsafe {
		args = append(args, "--allow-unsafe")
	}
	if sh.MaxRequests > 0 {
		args = append(args, "--max-requests", strconv.FormatInt(sh.MaxRequests, 10))
	}
	if !sh.Until.IsZero() {
		// An absolute time: the args, and so the pod, stay the same at
		// every Apply, and a restarted pod keeps the deadline.
		args = append(args, "--until", sh.Until.UTC().Format(time.RFC3339))
	}
	// stax-shadow compares with the overlay's options and publishes to
	// its EnvironmentDiff with the mounted diff writer's credential; the
	// kubeconfig's namespace is the organization, the overlay's.
	args = append(args, "--kubeconfig", shadowMount+"/"+stubKeyKubeconfig)
	return append(args, diffflag.Args(sh.Compare)...)
}

func metricsPort(port int32) int32 {
	if port == shadowMetricsPort {
		return shadowMetricsPort + 1
	}
	return shadowMetricsPort
}

// shadowDeployment runs stax-shadow before the baseline's pods of t.
func shadowDeployment(image string, plan runtime.Plan, t shadowTarget, baseNs string) *appsv1ac.DeploymentApplyConfiguration {
	labels := shadowLabels(t.svc, plan.Environment, roleFront)
	mp := metricsPort(t.port)
	c := corev1ac.Container().WithName("shadow").WithImage(image).WithArgs(shadowArgs(plan, t, baseNs)...).
		// The standard variable: a client-go program finds its credential.
		WithEnv(corev1ac.EnvVar().WithName("KUBECONFIG").WithValue(shadowMount+"/"+stubKeyKubeconfig)).
		WithPorts(corev1ac.ContainerPort().WithName("http").WithContainerPort(t.port).WithProtocol(corev1.ProtocolTCP),
			corev1ac.ContainerPort().WithName("metrics").WithContainerPort(mp).WithProtocol(corev1.ProtocolTCP)).
		WithVolumeMounts(corev1ac.VolumeMount().WithName(shadowVolume).WithMountPath(shadowMount).WithReadOnly(true)).
		WithReadinessProbe(corev1ac.Probe().WithHTTPGet(corev1ac.HTTPGetAction().WithPath("/healthz").WithPort(intstr.FromInt32(mp))))
	pod := corev1ac.PodSpec().WithContainers(c).WithVolumes(corev1ac.Volume().WithName(shadowVolume).
		WithSecret(corev1ac.SecretVolumeSource().WithSecretName(shadowName(t.svc))))
	return appsv1ac.Deployment(shadowName(t.svc), baseNs).WithLabels(labels).
		WithSpec(appsv1ac.DeploymentSpec().WithReplicas(1).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(shadowPods(t.svc, roleFront))).
			WithTemplate(corev1ac.PodTemplateSpec().WithLabels(labels).WithSpec(pod)))
}

// secondaryDeployment is one replica of the pod spec the runtime wrote
// for the baseline's Deployment base, under labels of its own.
func secondaryDeployment(base *appsv1ac.DeploymentApplyConfiguration, svc, overlay, baseNs string) (*appsv1ac.DeploymentApplyConfiguration, error) {
	if base.Spec == nil || base.Spec.Template == nil || base.Spec.Template.Spec == nil || len(base.Spec.Template.Spec.Containers) == 0 {
		return nil, fmt.Errorf("the baseline's Deployment %s has no pod spec written by %s to copy", svc, FieldManager)
	}
	labels := shadowLabels(svc, overlay, roleSecondary)
	return appsv1ac.Deployment(secondaryName(svc), baseNs).WithLabels(labels).
		WithSpec(appsv1ac.DeploymentSpec().WithReplicas(1).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(shadowPods(svc, roleSecondary))).
			WithTemplate(corev1ac.PodTemplateSpec().WithLabels(labels).WithSpec(base.Spec.Template.Spec))), nil
}

// diffCredential is stax-shadow's credential Secret for svc, freshly minted.
func (r *Runtime) diffCredential(ctx context.Context, plan runtime.Plan, svc, baseNs string) (*corev1ac.SecretApplyConfiguration, error) {
	cred, err := r.diffAccess.DiffWriterCredential(ctx, plan.Organization)
	if err != nil {
		return nil, err
	}
	kubeconfig, err := stubaccess.Kubeconfig(cred, plan.Organization, shadowMount+"/"+stubKeyToken)
	if err != nil {
		return nil, err
	}
	return corev1ac.Secret(shadowName(svc), baseNs).WithLabels(shadowLabels(svc, plan.Environment, roleFront)).
		WithType(DiffCredentialType).WithAnnotations(lifetimeAnnotations(cred)).
		WithStringData(map[string]string{stubKeyToken: cred.Token, stubKeyKubeconfig: string(kubeconfig)}), nil
}

// checkShadow refuses, before anything is written, a shadow this runtime
// cannot place.
func (r *Runtime) checkShadow(plan runtime.Plan) error {
	if plan.Baseline == nil || len(shadowTargets(plan, NamespaceName(plan.Organization, plan.Environment))) == 0 {
		return nil
	}
	if r.diffAccess == nil {
		return runtime.ErrNoDiffAccess
	}
	return nil
}

// shadow converges the baseline's namespace on the overlay's shadow: each
// target placed (after route, so the direct Service exists), every other
// service the overlay shadowed before restored.
func (r *Runtime) shadow(ctx context.Context, plan runtime.Plan, ns string) error {
	if plan.Baseline == nil {
		return nil
	}
	baseNs := NamespaceName(plan.Organization, plan.Baseline.Environment)
	want := map[string]bool{}
	for _, t := range shadowTargets(plan, ns) {
		want[t.svc] = true
		if err := r.placeShadow(ctx, plan, t, baseNs); err != nil {
			return fmt.Errorf("shadow of %s: %w", t.svc, err)
		}
	}
	return r.unshadow(ctx, plan.Organization, plan.Environment, plan.Baseline.Environment, want)
}

func (r *Runtime) placeShadow(ctx context.Context, plan runtime.Plan, t shadowTarget, baseNs string) error {
	cur, err := r.client.AppsV1().Deployments(baseNs).Get(ctx, shadowName(t.svc), metav1.GetOptions{})
	switch {
	case err == nil && cur.Labels[LabelShadowOverlay] != labelValue(plan.Environment):
		return fmt.Errorf("overlay %s already shadows it; one overlay at a time does", cur.Labels[LabelShadowOverlay])
	case err != nil && !apierrors.IsNotFound(err):
		return err
	}
	base, err := r.client.AppsV1().Deployments(baseNs).Get(ctx, t.svc, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("the baseline's Deployment: %w", err)
	}
	written, err := appsv1ac.ExtractDeployment(base, FieldManager)
	if err != nil {
		return err
	}
	secondary, err := secondaryDeployment(written, t.svc, plan.Environment, baseNs)
	if err != nil {
		return err
	}
	baseSvc, err := r.client.CoreV1().Services(baseNs).Get(ctx, t.svc, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("the baseline's Service: %w", err)
	}
	cred, err := r.diffCredential(ctx, plan, t.svc, baseNs)
	if err != nil {
		return err
	}
	baseSel := serviceLabels(plan.Organization, plan.Baseline.Environment, t.svc)
	// What the front reaches first, the front next, the switch last.
	for _, apply := range []func() error{
		func() error { _, err := r.client.CoreV1().Secrets(baseNs).Apply(ctx, cred, applyOptions); return err },
		func() error {
			s := reselect(baseSvc, primaryName(t.svc), baseSel, shadowLabels(t.svc, plan.Environment, rolePrimary))
			_, err := r.client.CoreV1().Services(baseNs).Apply(ctx, s, applyOptions)
			return err
		},
		func() error {
			_, err := r.client.AppsV1().Deployments(baseNs).Apply(ctx, secondary, applyOptions)
			return err
		},
		func() error {
			s := reselect(baseSvc, secondaryName(t.svc), shadowPods(t.svc, roleSecondary), shadowLabels(t.svc, plan.Environment, roleSecondary))
			_, err := r.client.CoreV1().Services(baseNs).Apply(ctx, s, applyOptions)
			return err
		},
		func() error {
			_, err := r.client.AppsV1().Deployments(baseNs).Apply(ctx, shadowDeployment(r.shadowImage, plan, t, baseNs), applyOptions)
			return err
		},
		func() error { return r.selectDirect(ctx, baseNs, t.svc, shadowPods(t.svc, roleFront)) },
	} {
		if err := apply(); err != nil {
			return err
		}
	}
	return nil
}

// selectDirect switches the direct Service of svc to sel.
func (r *Runtime) selectDirect(ctx context.Context, baseNs, svc string, sel map[string]string) error {
	direct, err := r.client.CoreV1().Services(baseNs).Get(ctx, directName(svc), metav1.GetOptions{})
	if err != nil {
		return err
	}
	_, err = r.client.CoreV1().Services(baseNs).Apply(ctx, reselect(direct, directName(svc), sel, routerLabels(svc)), applyOptions)
	return err
}

// unshadow restores every service the overlay shadows in its baseline
// but those in keep: the direct Service selects the baseline's pods
// again, then the shadow's objects go. The baseline's Deployments are not
// touched.
func (r *Runtime) unshadow(ctx context.Context, org, overlay, baseEnv string, keep map[string]bool) error {
	baseNs := NamespaceName(org, baseEnv)
	of := metav1.ListOptions{LabelSelector: selector(map[string]string{LabelShadowOverlay: labelValue(overlay)})}
	deployments, err := r.client.AppsV1().Deployments(baseNs).List(ctx, of)
	if err != nil {
		return err
	}
	services, err := r.client.CoreV1().Services(baseNs).List(ctx, of)
	if err != nil {
		return err
	}
	secrets, err := r.client.CoreV1().Secrets(baseNs).List(ctx, of)
	if err != nil {
		return err
	}
	restored := map[string]bool{}
	for _, d := range deployments.Items {
		svc := d.Labels[LabelShadow]
		if keep[svc] || d.Labels[LabelShadowRole] != roleFront || restored[svc] {
			continue
		}
		restored[svc] = true
		err := r.selectDirect(ctx, baseNs, svc, serviceLabels(org, baseEnv, svc))
		if err != nil && !apierrors.IsNotFound(err) { // no router left: nothing to switch back
			return err
		}
	}
	var dels []func() error
	for _, d := range deployments.Items {
		if !keep[d.Labels[LabelShadow]] {
			dels = append(dels, func() error { return r.client.AppsV1().Deployments(baseNs).Delete(ctx, d.Name, metav1.DeleteOptions{}) })
		}
	}
	for _, s := range services.Items {
		if !keep[s.Labels[LabelShadow]] {
			dels = append(dels, func() error { return r.client.CoreV1().Services(baseNs).Delete(ctx, s.Name, metav1.DeleteOptions{}) })
		}
	}
	for _, s := range secrets.Items {
		if !keep[s.Labels[LabelShadow]] {
			dels = append(dels, func() error { return r.client.CoreV1().Secrets(baseNs).Delete(ctx, s.Name, metav1.DeleteOptions{}) })
		}
	}
	for _, del := range dels {
		if err := del(); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// directSelector is the selector of the direct Service of svc: the
// stax-shadow pods while an overlay shadows svc, so that another
// overlay's route does not switch it back under the shadow; else the
// baseline's own pods.
func (r *Runtime) directSelector(ctx context.Context, baseNs, org, baseEnv, svc string) (map[string]string, error) {
	_, err := r.client.AppsV1().Deployments(baseNs).Get(ctx, shadowName(svc), metav1.GetOptions{})
	switch {
	case err == nil:
		return shadowPods(svc, roleFront), nil
	case apierrors.IsNotFound(err):
		return serviceLabels(org, baseEnv, svc), nil
	}
	return nil, err
}

// prefixedName is prefix+svc, shortened to a name's length.
func prefixedName(prefix, svc string) string {
	if n := prefix + svc; len(n) <= maxNameLen {
		return n
	}
	return shorten(prefix+svc, strings.TrimSuffix(strings.TrimPrefix(prefix, "stax-"), "-")+"/"+svc)
}

// unshadowAll restores every service the overlay shadows.
func (r *Runtime) unshadowAll(ctx context.Context, org, overlay, baseEnv string) error {
	return r.unshadow(ctx, org, overlay, baseEnv, nil)
}
