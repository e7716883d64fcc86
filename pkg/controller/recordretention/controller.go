// Package recordretention deletes EnvironmentRecords older than their
// organization's retention (spec.recordRetention, 400 days unless set),
// counted from the environment's deletion.
package recordretention

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/microstax/stax/pkg/apis/stax"
	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/controller/worker"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	staxinformers "github.com/microstax/stax/pkg/generated/informers/externalversions/stax/v1alpha1"
	staxlisters "github.com/microstax/stax/pkg/generated/listers/stax/v1alpha1"
)

// recheck bounds the wait for a record's time: a shorter retention set
// since is applied within it.
const recheck = time.Hour

// Controller deletes records past their organization's retention.
type Controller struct {
	client  versioned.Interface
	records staxlisters.EnvironmentRecordLister
	orgs    staxlisters.OrganizationLister
	synced  []cache.InformerSynced
	queue   *worker.Queue
	clock   clock.PassiveClock
}

// New returns a controller fed by the informers.
func New(client versioned.Interface, records staxinformers.EnvironmentRecordInformer, orgs staxinformers.OrganizationInformer) *Controller {
	c := &Controller{
		client: client, records: records.Lister(), orgs: orgs.Lister(), clock: clock.RealClock{},
		synced: []cache.InformerSynced{records.Informer().HasSynced, orgs.Informer().HasSynced},
	}
	c.queue = worker.New("environmentrecords", c.sync)
	_, _ = records.Informer().AddEventHandler(c.queue.Handler())
	// A changed retention applies to the organization's records at once.
	_, _ = orgs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueRecordsOf,
		UpdateFunc: func(_, obj interface{}) { c.enqueueRecordsOf(obj) },
	})
	return c
}

func (c *Controller) enqueueRecordsOf(obj interface{}) {
	org, ok := obj.(*staxv1.Organization)
	if !ok {
		return
	}
	records, err := c.records.EnvironmentRecords(org.Name).List(labels.Everything())
	if err != nil {
		return
	}
	for _, r := range records {
		c.queue.Enqueue(r)
	}
}

// SetClock makes the controller read the time from clk.
func (c *Controller) SetClock(clk clock.PassiveClock) { c.clock = clk }

// Run works the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.synced...)
}

func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, err
	}
	r, err := c.records.EnvironmentRecords(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var set *metav1.Duration
	if org, err := c.orgs.Get(ns); err == nil {
		set = org.Spec.RecordRetention
	}
	if wait := r.DeletedAt.Add(stax.RecordRetention(set)).Sub(c.clock.Now()); wait > 0 {
		return min(wait, recheck), nil
	}
	err = c.client.StaxV1alpha1().EnvironmentRecords(ns).Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &r.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return 0, err
	}
	klog.V(2).InfoS("Deleted an environment record past its retention", "record", klog.KObj(r), "deletedAt", r.DeletedAt)
	return 0, nil
}
