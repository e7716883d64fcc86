// Package tokenrevocation deletes TokenRevocations once the token they name
// could no longer be accepted anyway: past its expiry plus the grace every
// verifier keeps revocations for (identity.RevocationGrace, which is longer
// than the verifiers' clock leeway). Without it, revocations pile up in etcd
// and in every replica's informer for ever.
package tokenrevocation

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	staxinformers "github.com/microstax/stax/pkg/generated/informers/externalversions/stax/v1alpha1"
	staxlisters "github.com/microstax/stax/pkg/generated/listers/stax/v1alpha1"
	"github.com/microstax/stax/pkg/identity"
)

// Controller deletes expired TokenRevocations, each at its time.
type Controller struct {
	client versioned.Interface
	lister staxlisters.TokenRevocationLister
	synced cache.InformerSynced
	queue  workqueue.TypedRateLimitingInterface[string]
	now    func() time.Time
}

// New returns a controller fed by the informer.
func New(client versioned.Interface, informer staxinformers.TokenRevocationInformer) *Controller {
	c := &Controller{
		client: client,
		lister: informer.Lister(),
		synced: informer.Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "tokenrevocations"}),
		now: time.Now,
	}
	_, _ = informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj interface{}) { c.enqueue(obj) },
	})
	return c
}

// deleteAt is when a revocation may go.
func deleteAt(r *staxv1.TokenRevocation) time.Time {
	return r.Spec.ExpirationTime.Add(identity.RevocationGrace)
}

func (c *Controller) enqueue(obj interface{}) {
	key, err := cache.MetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.queue.Add(key)
}

// Run works the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDown()
	klog.InfoS("Starting token revocation controller")
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
	klog.InfoS("Stopping token revocation controller")
}

func (c *Controller) worker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	wait, err := c.sync(ctx, key)
	switch {
	case err != nil:
		utilruntime.HandleError(fmt.Errorf("syncing token revocation %s: %w", key, err))
		c.queue.AddRateLimited(key)
	default:
		c.queue.Forget(key)
		if wait > 0 {
			c.queue.AddAfter(key, wait)
		}
	}
	return true
}

// sync deletes the revocation if its time has come, or says how long to
// wait for it.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, err
	}
	r, err := c.lister.TokenRevocations(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if wait := deleteAt(r).Sub(c.now()); wait > 0 {
		return wait, nil
	}
	// The UID precondition spares a revocation re-created under the same
	// name since the informer saw this one.
	err = c.client.StaxV1alpha1().TokenRevocations(ns).Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &r.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return 0, err
	}
	klog.V(2).InfoS("Deleted an expired token revocation", "revocation", klog.KObj(r), "tokenExpired", r.Spec.ExpirationTime)
	return 0, nil
}
