package kubernetes

import (
	"context"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/microstax/stax/pkg/runtime"
)

// Stop scales every Deployment of the environment to zero, recording its
// replica count for the next Apply. Stopping twice keeps the first record.
func (r *Runtime) Stop(ctx context.Context, org, env string) error {
	ns := NamespaceName(org, env)
	cur, err := r.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("namespace %s: %w", ns, runtime.ErrNotFound)
	} else if err != nil {
		return err
	}
	if base := cur.Annotations[AnnotationBaseline]; base != "" {
		// A stopped overlay has no candidate: its shadow goes, and the
		// next Apply (the resume) places it again.
		if err := r.unshadowAll(ctx, org, env, base); err != nil {
			return err
		}
	}
	list, err := r.client.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{LabelSelector: selector(envLabels(org, env))})
	if err != nil {
		return err
	}
	for _, d := range list.Items {
		if _, stopped := recordedReplicas(&d); stopped {
			continue
		}
		n := int32(1)
		if d.Spec.Replicas != nil {
			n = *d.Spec.Replicas
		}
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}},"spec":{"replicas":0}}`, AnnotationReplicas, strconv.Itoa(int(n)))
		if _, err := r.client.AppsV1().Deployments(ns).Patch(ctx, d.Name, types.MergePatchType, []byte(patch),
			metav1.PatchOptions{FieldManager: stopFieldManager}); err != nil {
			return fmt.Errorf("stopping %s: %w", d.Name, err)
		}
	}
	return nil
}
