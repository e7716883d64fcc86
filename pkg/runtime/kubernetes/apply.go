package kubernetes

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/microstax/stax/pkg/runtime"
)

var applyOptions = metav1.ApplyOptions{FieldManager: FieldManager, Force: true}

// Apply converges the environment's namespace on plan. It returns once the
// objects are written; the cluster starts the pods.
func (r *Runtime) Apply(ctx context.Context, plan runtime.Plan) error {
	plan = r.stubbed(plan)
	if err := validate(plan); err != nil {
		return err
	}
	if err := r.checkShadow(plan); err != nil {
		return err
	}
	ns := NamespaceName(plan.Organization, plan.Environment)
	if err := r.applyNamespace(ctx, plan, ns); err != nil {
		return err
	}
	existing, err := r.client.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{
		LabelSelector: selector(envLabels(plan.Organization, plan.Environment))})
	if err != nil {
		return err
	}
	recorded := map[string]int32{}
	for _, d := range existing.Items {
		if n, ok := recordedReplicas(&d); ok {
			recorded[d.Name] = n
		}
	}
	inPlan := map[string]bool{}
	for _, s := range plan.Services {
		inPlan[s.Name] = true
		if err := r.applyService(ctx, plan, s, ns, recorded); err != nil {
			return fmt.Errorf("service %s: %w", s.Name, err)
		}
	}
	if err := r.prune(ctx, plan, ns, existing.Items, inPlan); err != nil {
		return err
	}
	if err := r.pruneSecrets(ctx, plan, ns, inPlan); err != nil {
		return err
	}
	if err := r.route(ctx, plan, ns); err != nil {
		return err
	}
	return r.shadow(ctx, plan, ns)
}

func (r *Runtime) applyNamespace(ctx context.Context, plan runtime.Plan, ns string) error {
	cur, err := r.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return err
	case cur.DeletionTimestamp != nil:
		return fmt.Errorf("namespace %s is still being deleted", ns)
	case cur.Labels[LabelOrganization] != labelValue(plan.Organization) || cur.Labels[LabelEnvironment] != labelValue(plan.Environment):
		return fmt.Errorf("namespace %s exists and does not belong to environment %s/%s", ns, plan.Organization, plan.Environment)
	}
	names := make([]string, len(plan.Services))
	for i, s := range plan.Services {
		names[i] = s.Name
	}
	annotations := map[string]string{AnnotationServices: strings.Join(names, ",")}
	if plan.Baseline != nil {
		annotations[AnnotationBaseline] = plan.Baseline.Environment
	}
	_, err = r.client.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(ns).
		WithLabels(envLabels(plan.Organization, plan.Environment)).
		WithAnnotations(annotations), applyOptions)
	return err
}

func (r *Runtime) applyService(ctx context.Context, plan runtime.Plan, s runtime.ServicePlan, ns string, recorded map[string]int32) error {
	// The Secrets first: the pods refer to them.
	if err := r.applySecret(ctx, plan, s, ns); err != nil {
		return err
	}
	if err := r.applyStubCredential(ctx, plan, s, ns); err != nil {
		return err
	}
	replicas := s.Replicas
	n, resuming := recorded[s.Name]
	if resuming {
		replicas = n
	}
	if _, err := r.client.AppsV1().Deployments(ns).Apply(ctx, deployment(plan, s, ns, replicas), applyOptions); err != nil {
		return err
	}
	if resuming {
		// The annotation belongs to Stop's field manager: remove it explicitly.
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:null}}}`, AnnotationReplicas)
		if _, err := r.client.AppsV1().Deployments(ns).Patch(ctx, s.Name, types.MergePatchType, []byte(patch),
			metav1.PatchOptions{FieldManager: stopFieldManager}); err != nil {
			return err
		}
	}
	if len(s.Ports) == 0 {
		err := r.client.CoreV1().Services(ns).Delete(ctx, s.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	}
	svc := service(plan, s, ns)
	routed, err := r.routedSelector(ctx, ns, s.Name)
	if err != nil {
		return err
	}
	if routed != nil {
		// Overlays route through a router before it: keep it there.
		svc.Spec.Selector = routed
	}
	_, err = r.client.CoreV1().Services(ns).Apply(ctx, svc, applyOptions)
	return err
}

// prune deletes the Deployments and Services of services no longer planned.
func (r *Runtime) prune(ctx context.Context, plan runtime.Plan, ns string, deployments []appsv1.Deployment, inPlan map[string]bool) error {
	for _, d := range deployments {
		if inPlan[d.Labels[LabelService]] {
			continue
		}
		if err := r.client.AppsV1().Deployments(ns).Delete(ctx, d.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	svcs, err := r.client.CoreV1().Services(ns).List(ctx, metav1.ListOptions{
		LabelSelector: selector(envLabels(plan.Organization, plan.Environment))})
	if err != nil {
		return err
	}
	for _, s := range svcs.Items {
		if inPlan[s.Labels[LabelService]] {
			continue
		}
		if err := r.client.CoreV1().Services(ns).Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// recordedReplicas is the count Stop recorded on d, if it did.
func recordedReplicas(d *appsv1.Deployment) (int32, bool) {
	v, ok := d.Annotations[AnnotationReplicas]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 0 {
		return 0, false
	}
	return int32(n), true
}
