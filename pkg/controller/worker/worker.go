// Package worker runs a controller's work queue: informer events become
// namespace/name keys, each key is synced by one worker at a time, a failed
// sync is retried with back-off, and a sync may ask to be run again later.
package worker

import (
	"context"
	"fmt"
	"time"

	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// SyncFunc converges the object named by key and says how soon to look at
// it again (0: only on its next event).
type SyncFunc func(ctx context.Context, key string) (time.Duration, error)

// Queue is a rate-limited queue of keys and the function that syncs them.
type Queue struct {
	name  string
	queue workqueue.TypedRateLimitingInterface[string]
	sync  SyncFunc
}

// New returns a queue named name (for logs and metrics) that syncs with sync.
func New(name string, sync SyncFunc) *Queue {
	return &Queue{
		name: name,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: name}),
		sync: sync,
	}
}

// Handler enqueues the object of every add, update and delete.
func (q *Queue) Handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    q.Enqueue,
		UpdateFunc: func(_, obj interface{}) { q.Enqueue(obj) },
		DeleteFunc: q.Enqueue,
	}
}

// Enqueue adds obj's key (deleted objects included).
func (q *Queue) Enqueue(obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	q.queue.Add(key)
}

// Run waits for synced, then works the queue with workers goroutines until
// ctx ends.
func (q *Queue) Run(ctx context.Context, workers int, synced ...cache.InformerSynced) {
	defer utilruntime.HandleCrash()
	defer q.queue.ShutDown()
	klog.InfoS("Starting controller", "controller", q.name)
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, func(ctx context.Context) {
			for q.processNext(ctx) {
			}
		}, time.Second)
	}
	<-ctx.Done()
	klog.InfoS("Stopping controller", "controller", q.name)
}

func (q *Queue) processNext(ctx context.Context) bool {
	key, quit := q.queue.Get()
	if quit {
		return false
	}
	defer q.queue.Done(key)
	again, err := q.sync(ctx, key)
	countSync(q.name, err)
	if err != nil {
		utilruntime.HandleError(fmt.Errorf("%s: syncing %s: %w", q.name, key, err))
		q.queue.AddRateLimited(key)
		return true
	}
	q.queue.Forget(key)
	if again > 0 {
		q.queue.AddAfter(key, again)
	}
	return true
}
