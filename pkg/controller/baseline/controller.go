// Package baseline is the controller of Baselines: it keeps status.phase in
// step with the promoted environment and status.overlays with the
// Environments whose spec.baselineRef names the Baseline, and it removes
// the Baseline's finalizer once nothing names it any more.
package baseline

import (
	"context"
	"sort"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/controller/worker"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	staxinformers "github.com/microstax/stax/pkg/generated/informers/externalversions/stax/v1alpha1"
	staxlisters "github.com/microstax/stax/pkg/generated/listers/stax/v1alpha1"
)

// Controller reconciles the status and finalizer of Baselines.
type Controller struct {
	client    versioned.Interface
	baselines staxlisters.BaselineLister
	envs      staxlisters.EnvironmentLister
	synced    []cache.InformerSynced
	queue     *worker.Queue
}

// New returns a controller fed by the two informers.
func New(client versioned.Interface, baselines staxinformers.BaselineInformer, envs staxinformers.EnvironmentInformer) *Controller {
	c := &Controller{
		client:    client,
		baselines: baselines.Lister(),
		envs:      envs.Lister(),
		synced:    []cache.InformerSynced{baselines.Informer().HasSynced, envs.Informer().HasSynced},
	}
	c.queue = worker.New("baselines", c.sync)
	_, _ = baselines.Informer().AddEventHandler(c.queue.Handler())
	_, _ = envs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.environmentChanged,
		UpdateFunc: func(_, obj interface{}) { c.environmentChanged(obj) },
		DeleteFunc: c.environmentChanged,
	})
	return c
}

// Run works the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.synced...)
}

// environmentChanged enqueues the Baselines an environment's change may
// move: those promoted from it (phase) and the one it is an overlay of.
func (c *Controller) environmentChanged(obj interface{}) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	env, ok := obj.(*staxv1.Environment)
	if !ok {
		return
	}
	if env.Spec.BaselineRef != nil {
		c.queue.Enqueue(cache.ExplicitKey(env.Namespace + "/" + env.Spec.BaselineRef.Name))
	}
	for _, b := range MadeFrom(c.baselines, env.Namespace, env.Name) {
		c.queue.Enqueue(b)
	}
}

// MadeFrom lists the Baselines promoted from the environment.
func MadeFrom(lister staxlisters.BaselineLister, namespace, env string) []*staxv1.Baseline {
	all, _ := lister.Baselines(namespace).List(labels.Everything())
	var out []*staxv1.Baseline
	for _, b := range all {
		if b.Spec.EnvironmentRef.Name == env {
			out = append(out, b)
		}
	}
	return out
}

// OverlaysOf names the Environments whose spec.baselineRef names the
// baseline, sorted.
func OverlaysOf(lister staxlisters.EnvironmentLister, namespace, baseline string) []string {
	all, _ := lister.Environments(namespace).List(labels.Everything())
	var names []string
	for _, e := range all {
		if e.Spec.BaselineRef != nil && e.Spec.BaselineRef.Name == baseline {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	return names
}

// DependentOverlays names the overlays that depend on the environment
// through the Baselines promoted from it: while there are any, the
// environment must keep running (the environment controller's
// auto-shutdown waits; the server refuses stop and delete).
func DependentOverlays(baselines staxlisters.BaselineLister, envs staxlisters.EnvironmentLister, namespace, env string) []string {
	var out []string
	for _, b := range MadeFrom(baselines, namespace, env) {
		out = append(out, OverlaysOf(envs, namespace, b.Name)...)
	}
	sort.Strings(out)
	return out
}

// sync brings one Baseline's status up to date, or lets a deleted one go.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, err
	}
	cached, err := c.baselines.Baselines(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	b := cached.DeepCopy()
	if b.DeletionTimestamp != nil {
		return 0, c.finalize(ctx, b)
	}
	status := b.Status
	status.Phase = c.phaseOf(ns, b.Spec.EnvironmentRef.Name)
	status.Overlays = int32(len(OverlaysOf(c.envs, ns, name)))
	if apiequality.Semantic.DeepEqual(status, b.Status) {
		return 0, nil
	}
	b.Status = status
	_, err = c.client.StaxV1alpha1().Baselines(ns).UpdateStatus(ctx, b, metav1.UpdateOptions{})
	return 0, ignoreGoneOrStale(err)
}

// phaseOf is the environment's phase, as the Baseline reports it.
func (c *Controller) phaseOf(ns, env string) staxv1.EnvironmentPhase {
	e, err := c.envs.Environments(ns).Get(env)
	switch {
	case apierrors.IsNotFound(err):
		return staxv1.BaselineEnvironmentMissing
	case err != nil || e.Status.Phase == "":
		return staxv1.EnvironmentPending
	}
	return e.Status.Phase
}

// finalize removes the finalizer once no Environment names the Baseline.
// It asks the server, not the informer: an overlay created just before the
// deletion began may not have reached the informer yet, and letting the
// Baseline go then would leave that overlay without its baseline. While
// one exists the Baseline stays (Terminating) and is looked at again on
// each of its overlays' events.
func (c *Controller) finalize(ctx context.Context, b *staxv1.Baseline) error {
	kept := make([]string, 0, len(b.Finalizers))
	for _, f := range b.Finalizers {
		if f != staxv1.BaselineFinalizer {
			kept = append(kept, f)
		}
	}
	if len(kept) == len(b.Finalizers) {
		return nil
	}
	overlays, err := c.client.StaxV1alpha1().Environments(b.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.baselineRef.name", b.Name).String()})
	if err != nil {
		return err
	}
	for _, e := range overlays.Items {
		// The selector did the work; this check keeps clients that ignore
		// it (the fake clientset) honest.
		if e.Spec.BaselineRef != nil && e.Spec.BaselineRef.Name == b.Name {
			klog.V(2).InfoS("Baseline deletion waits for its overlays", "baseline", klog.KObj(b), "overlay", e.Name)
			return nil
		}
	}
	b.Finalizers = kept
	_, err = c.client.StaxV1alpha1().Baselines(b.Namespace).Update(ctx, b, metav1.UpdateOptions{})
	return ignoreGoneOrStale(err)
}

// ignoreGoneOrStale drops errors that the informer's next event resolves.
func ignoreGoneOrStale(err error) error {
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}
