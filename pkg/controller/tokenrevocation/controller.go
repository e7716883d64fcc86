// Package tokenrevocation deletes TokenRevocations once the token they name
// could no longer be accepted anyway: past its expiry plus the grace every
// verifier keeps revocations for (identity.RevocationGrace, which is longer
// than the verifiers' clock leeway). Without it, revocations pile up in etcd
// and in every replica's informer for ever.
package tokenrevocation

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/controller/worker"
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
	queue  *worker.Queue
}

// New returns a controller fed by the informer.
func New(client versioned.Interface, informer staxinformers.TokenRevocationInformer) *Controller {
	c := &Controller{client: client, lister: informer.Lister(), synced: informer.Informer().HasSynced}
	c.queue = worker.New("tokenrevocations", c.sync)
	_, _ = informer.Informer().AddEventHandler(c.queue.Handler())
	return c
}

// deleteAt is when a revocation may go.
func deleteAt(r *staxv1.TokenRevocation) time.Time {
	return r.Spec.ExpirationTime.Add(identity.RevocationGrace)
}

// Run works the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.synced)
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
	if wait := time.Until(deleteAt(r)); wait > 0 {
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
