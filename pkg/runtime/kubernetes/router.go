package kubernetes

import (
	"context"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	"github.com/microstax/stax/pkg/runtime"
)

// Routing by key on a cluster. For each baseline Service an overlay
// changes, the runtime places in the baseline's namespace:
//
//   - stax-router-<svc>, a ConfigMap: one key per overlay (its name), the
//     address of the overlay's Service. Each overlay owns its key (field
//     manager stax-overlay-<name>), so overlays come and go independently.
//   - stax-router-<svc>, a Deployment of cmd/stax-router that mounts it.
//   - stax-baseline-<svc>, a Service selecting the baseline's own pods:
//     where the router sends requests without a routed key.
//   - the baseline's Service <svc> itself, its selector switched to the
//     router's pods. Its name, address and port do not change, so the
//     baseline's pods keep their <SVC>_URL and are not restarted.
//
// When the last overlay of a service goes, the selector is switched back
// and the router objects are deleted. Only the Service's first port is
// routed (the router speaks HTTP on it).

// LabelRouter marks the router objects; its value is the routed service.
const LabelRouter = "stax.microstax.ai/router"

// DefaultRouterImage is the image of cmd/stax-router the runtime runs
// unless Config.RouterImage says otherwise.
const DefaultRouterImage = "ghcr.io/microstax/stax-router:latest"

// routesMount is where the router reads its routes (the ConfigMap).
const routesMount = "/etc/stax-router"

func routerName(svc string) string { return prefixedName("stax-router-", svc) }
func directName(svc string) string { return prefixedName("stax-baseline-", svc) }

func overlayFieldManager(overlay string) string { return "stax-overlay-" + overlay }

func routerLabels(svc string) map[string]string {
	return map[string]string{LabelManagedBy: managedByValue, LabelRouter: svc}
}

// routerRoute is the overlay's entry in the router's ConfigMap.
func routerRoute(baseNs, svc, overlay, addr string) *corev1ac.ConfigMapApplyConfiguration {
	return corev1ac.ConfigMap(routerName(svc), baseNs).WithLabels(routerLabels(svc)).
		WithData(map[string]string{overlay: addr})
}

// routerDeployment runs the router before svc, listening on port.
func routerDeployment(image, baseNs, svc string, port int32) *appsv1ac.DeploymentApplyConfiguration {
	labels := routerLabels(svc)
	p := strconv.Itoa(int(port))
	c := corev1ac.Container().WithName("router").WithImage(image).
		WithArgs("--service", svc, "--listen", ":"+p,
			"--default", directName(svc)+"."+baseNs+".svc:"+p, "--routes", routesMount).
		WithPorts(corev1ac.ContainerPort().WithContainerPort(port).WithProtocol(corev1.ProtocolTCP)).
		WithVolumeMounts(corev1ac.VolumeMount().WithName("routes").WithMountPath(routesMount).WithReadOnly(true)).
		WithReadinessProbe(corev1ac.Probe().WithTCPSocket(corev1ac.TCPSocketAction().WithPort(intstr.FromInt32(port))))
	pod := corev1ac.PodSpec().WithContainers(c).WithVolumes(corev1ac.Volume().WithName("routes").
		WithConfigMap(corev1ac.ConfigMapVolumeSource().WithName(routerName(svc))))
	return appsv1ac.Deployment(routerName(svc), baseNs).WithLabels(labels).
		WithSpec(appsv1ac.DeploymentSpec().WithReplicas(1).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(labels)).
			WithTemplate(corev1ac.PodTemplateSpec().WithLabels(labels).WithSpec(pod)))
}

// reselect is the Service cur as the runtime applies it, with selector and
// name changed: the baseline's Service switched to the router (or back),
// and the direct Service to the baseline's pods.
func reselect(cur *corev1.Service, name string, selector, labels map[string]string) *corev1ac.ServiceApplyConfiguration {
	spec := corev1ac.ServiceSpec().WithSelector(selector)
	for _, p := range cur.Spec.Ports {
		spec.WithPorts(corev1ac.ServicePort().WithName(p.Name).WithPort(p.Port).WithTargetPort(p.TargetPort).WithProtocol(p.Protocol))
	}
	return corev1ac.Service(name, cur.Namespace).WithLabels(labels).WithSpec(spec)
}

// route places the router before each baseline Service the overlay
// changes and registers the overlay on it.
func (r *Runtime) route(ctx context.Context, plan runtime.Plan, ns string) error {
	b := plan.Baseline
	if b == nil {
		return nil
	}
	baseNs := NamespaceName(plan.Organization, b.Environment)
	for _, ch := range b.Changed {
		own := endpoint(plan, ch.Name, ns)
		if own == "" || ch.Port == 0 {
			continue // no port on one side: nothing to route
		}
		cur, err := r.client.CoreV1().Services(baseNs).Get(ctx, ch.Name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("baseline service %s: %w", ch.Name, err)
		}
		if _, err := r.client.CoreV1().ConfigMaps(baseNs).Apply(ctx, routerRoute(baseNs, ch.Name, plan.Environment, own),
			metav1.ApplyOptions{FieldManager: overlayFieldManager(plan.Environment), Force: true}); err != nil {
			return err
		}
		// The baseline's pods, or the stax-shadow before them (shadow.go).
		directSel, err := r.directSelector(ctx, baseNs, plan.Organization, b.Environment, ch.Name)
		if err != nil {
			return err
		}
		if _, err := r.client.CoreV1().Services(baseNs).Apply(ctx, reselect(cur, directName(ch.Name), directSel, routerLabels(ch.Name)), applyOptions); err != nil {
			return err
		}
		if _, err := r.client.AppsV1().Deployments(baseNs).Apply(ctx, routerDeployment(r.routerImage, baseNs, ch.Name, ch.Port), applyOptions); err != nil {
			return err
		}
		routed := reselect(cur, ch.Name, map[string]string{LabelRouter: ch.Name}, cur.Labels)
		if _, err := r.client.CoreV1().Services(baseNs).Apply(ctx, routed, applyOptions); err != nil {
			return err
		}
	}
	return nil
}

// unroute removes the overlay from every router of its baseline; a router
// left without overlays goes, and its Service selects the baseline's pods
// again. The baseline's Deployments are not touched.
func (r *Runtime) unroute(ctx context.Context, org, overlay, baseEnv string) error {
	baseNs := NamespaceName(org, baseEnv)
	cms, err := r.client.CoreV1().ConfigMaps(baseNs).List(ctx, metav1.ListOptions{LabelSelector: LabelRouter})
	if err != nil {
		return err
	}
	for _, cm := range cms.Items {
		if _, ok := cm.Data[overlay]; !ok {
			continue
		}
		svc := cm.Labels[LabelRouter]
		// Applying nothing as the overlay's manager drops the key it owns.
		empty := corev1ac.ConfigMap(cm.Name, baseNs)
		left, err := r.client.CoreV1().ConfigMaps(baseNs).Apply(ctx, empty,
			metav1.ApplyOptions{FieldManager: overlayFieldManager(overlay), Force: true})
		if err != nil {
			return err
		}
		if len(left.Data) > 0 {
			continue
		}
		cur, err := r.client.CoreV1().Services(baseNs).Get(ctx, svc, metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		if err == nil {
			back := reselect(cur, svc, serviceLabels(org, baseEnv, svc), cur.Labels)
			if _, err := r.client.CoreV1().Services(baseNs).Apply(ctx, back, applyOptions); err != nil {
				return err
			}
		}
		for _, del := range []func() error{
			func() error {
				return r.client.AppsV1().Deployments(baseNs).Delete(ctx, routerName(svc), metav1.DeleteOptions{})
			},
			func() error {
				return r.client.CoreV1().Services(baseNs).Delete(ctx, directName(svc), metav1.DeleteOptions{})
			},
			func() error { return r.client.CoreV1().ConfigMaps(baseNs).Delete(ctx, cm.Name, metav1.DeleteOptions{}) },
		} {
			if err := del(); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
	}
	return nil
}

// routedSelector is the selector the baseline's Service svc keeps while a
// router fronts it, nil when none does: the baseline's own Apply must not
// switch it back under its overlays.
func (r *Runtime) routedSelector(ctx context.Context, ns, svc string) (map[string]string, error) {
	cm, err := r.client.CoreV1().ConfigMaps(ns).Get(ctx, routerName(svc), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(cm.Data) == 0 {
		return nil, nil
	}
	return map[string]string{LabelRouter: svc}, nil
}
