// Package environment is the controller that makes Environments run: it
// turns each blueprint into a runtime plan, follows stop and resume, keeps
// the status current, applies auto-shutdown, and on delete tears everything
// down and writes an EnvironmentRecord.
package environment

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/controller/worker"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	staxinformers "github.com/microstax/stax/pkg/generated/informers/externalversions/stax/v1alpha1"
	staxlisters "github.com/microstax/stax/pkg/generated/listers/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

// Finalizer holds deletion until the runtime has torn the environment down
// and its record is written.
const Finalizer = "stax.microstax.ai/teardown"

// Activity says when an environment was last used through the API.
type Activity interface {
	Last(namespace, name string) time.Time
	Touch(namespace, name string)
	Forget(namespace, name string)
}

// Controller reconciles Environments with a Runtime.
type Controller struct {
	client   versioned.Interface
	lister   staxlisters.EnvironmentLister
	synced   cache.InformerSynced
	queue    *worker.Queue
	runtime  runtime.Runtime
	activity Activity
	now      func() time.Time
	// baselines, when set (WatchBaselines), lets auto-shutdown see the
	// overlays that depend on an environment.
	baselines staxlisters.BaselineLister
	// stale holds the versions this controller's status writes replaced.
	stale staleCache
	// links holds, by key, the baseline link an overlay's plan was last
	// applied with, so that a moved baseline endpoint re-applies it.
	links sync.Map
	// shadows are the diff engines of the overlays that shadow.
	shadows *shadowEngines

	// ActivePoll is how soon an environment that is changing is looked at
	// again; SteadyPoll is the same for a Ready or Stopped one.
	ActivePoll, SteadyPoll time.Duration
	// ShadowPublish is how often the overlays' diff reports are written.
	ShadowPublish time.Duration
}

// New returns a controller fed by the informer.
func New(client versioned.Interface, informer staxinformers.EnvironmentInformer, rt runtime.Runtime, activity Activity) *Controller {
	c := &Controller{
		client:   client,
		lister:   informer.Lister(),
		synced:   informer.Informer().HasSynced,
		runtime:  rt,
		activity: activity,
		now:      time.Now,

		ActivePoll:    250 * time.Millisecond,
		SteadyPoll:    5 * time.Second,
		ShadowPublish: DefaultShadowPublish,
	}
	c.shadows = newShadowEngines(client)
	c.queue = worker.New("environments", c.sync)
	_, _ = informer.Informer().AddEventHandler(c.queue.Handler())
	return c
}

// Run works the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	published := make(chan struct{})
	go func() {
		defer close(published)
		c.shadows.run(ctx, c.ShadowPublish)
	}()
	c.queue.Run(ctx, workers, c.synced)
	<-published // the last reports are written
}

// sync converges one environment and says when to look at it again. Each
// step either acts and ends the sync (its write comes back as an event) or
// hands on: finalizer, auto-shutdown, observe the runtime, write status.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, err
	}
	cached, err := c.lister.Environments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.activity.Forget(ns, name)
		c.stale.forget(key)
		c.links.Delete(key)
		c.shadows.forget(ns, name, "")
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if c.stale.behind(cached) {
		return staleRetry, nil
	}
	env := cached.DeepCopy()
	now := c.now()

	if env.DeletionTimestamp != nil {
		return 0, c.finalize(ctx, env, now)
	}
	if done, err := c.ensureFinalizer(ctx, env); done {
		return 0, err
	}
	if env.Status.ObservedGeneration != env.Generation {
		// A spec change is use, like a request naming the environment.
		c.activity.Touch(ns, name)
	}
	if done, err := c.autoShutdown(ctx, env, now); done {
		return 0, err
	}
	if statusTooLarge(env) {
		return c.SteadyPoll, nil // only for auto-shutdown: nothing to retry
	}
	obs, err := c.observe(ctx, env, now)
	if err != nil {
		return 0, err
	}
	status, err := c.writeStatus(ctx, env, obs)
	if err != nil {
		return 0, err
	}
	if status.Phase == staxv1.EnvironmentReady || status.Phase == staxv1.EnvironmentStopped || status.Phase == staxv1.EnvironmentFailed ||
		obs.missing != nil {
		// A missing Secret or Stub is waited for by WatchSecrets and
		// WatchStubs, not by polling.
		return obs.sooner(c.SteadyPoll), nil
	}
	return obs.sooner(c.ActivePoll), nil
}

// ensureFinalizer adds the teardown finalizer before anything runs, so
// that nothing started can outlive the environment. done: it wrote.
func (c *Controller) ensureFinalizer(ctx context.Context, env *staxv1.Environment) (done bool, err error) {
	if hasFinalizer(env) {
		return false, nil
	}
	env.Finalizers = append(env.Finalizers, Finalizer)
	_, err = c.client.StaxV1alpha1().Environments(env.Namespace).Update(ctx, env, metav1.UpdateOptions{})
	return true, err
}

// autoShutdown deletes an environment past its time to live and stops one
// idle for its idle timeout. done: it wrote.
func (c *Controller) autoShutdown(ctx context.Context, env *staxv1.Environment, now time.Time) (done bool, err error) {
	as := env.Spec.AutoShutdown
	if as == nil {
		return false, nil
	}
	if overlays := c.dependentOverlays(env); len(overlays) > 0 {
		// The server would refuse the stop or delete (409): the timers
		// wait until the last overlay is gone.
		klog.V(4).InfoS("Auto-shutdown waits: overlays depend on the environment", "environment", klog.KObj(env), "overlays", overlays)
		return false, nil
	}
	envs := c.client.StaxV1alpha1().Environments(env.Namespace)
	if as.TimeToLive != nil && !now.Before(env.CreationTimestamp.Add(as.TimeToLive.Duration)) {
		klog.InfoS("Deleting environment: time to live reached", "environment", klog.KObj(env))
		return true, ignoreGoneOrStale(envs.Delete(ctx, env.Name, metav1.DeleteOptions{}))
	}
	if as.IdleTimeout != nil && !env.Spec.Paused && !now.Before(c.idleShutdownTime(env)) {
		klog.InfoS("Stopping environment: idle timeout reached", "environment", klog.KObj(env))
		patch := []byte(`{"spec":{"paused":true}}`)
		_, err := envs.Patch(ctx, env.Name, types.MergePatchType, patch, metav1.PatchOptions{})
		return true, ignoreGoneOrStale(err)
	}
	return false, nil
}

// observe drives the runtime towards the spec (stop a paused environment;
// apply when the runtime lacks it, the spec moved, it is resuming, or the
// runtime restarted and holds it stopped) and reports what it then sees.
func (c *Controller) observe(ctx context.Context, env *staxv1.Environment, now time.Time) (observation, error) {
	ns, name := env.Namespace, env.Name
	obs := observation{now: now, baseline: c.baselineOf(env)}
	var err error
	if env.Spec.Paused {
		if err := c.runtime.Stop(ctx, ns, name); err != nil && !errors.Is(err, runtime.ErrNotFound) {
			return obs, err
		}
		obs.state, err = c.runtime.Status(ctx, ns, name)
		switch {
		case errors.Is(err, runtime.ErrNotFound):
			// The runtime holds nothing of it (created paused, never
			// run): nothing runs, so it is stopped.
			obs.stopped = true
		case err != nil:
			return obs, err
		default:
			obs.stopped = allStopped(obs.state)
		}
		return obs, nil
	}
	obs.state, err = c.runtime.Status(ctx, ns, name)
	unknown := errors.Is(err, runtime.ErrNotFound)
	if err != nil && !unknown {
		return obs, err
	}
	plan := planFor(env)
	linkChanged := false
	if obs.baseline != nil {
		plan.Baseline = obs.baseline.link(plan)
		link := fmt.Sprint(*plan.Baseline)
		last, _ := c.links.Load(ns + "/" + name)
		linkChanged = last != link
		if plan.Shadow = shadowPlanFor(env, plan.Baseline); plan.Shadow != nil {
			plan.Shadow.Sink = c.shadows.sinkFor(ctx, env)
		} else {
			c.shadows.off(ctx, env.UID)
		}
	}
	if unknown || env.Status.ObservedGeneration != env.Generation || wasStopped(env) || allStopped(obs.state) || waitingForSecret(env) || waitingForStub(env) || linkChanged {
		var missing *missingError
		err := c.checkStubs(ctx, env)
		if err == nil {
			err = c.resolveSecrets(ctx, env, &plan)
		}
		if errors.As(err, &missing) {
			obs.missing = missing
			return obs, nil
		} else if err != nil {
			return obs, err
		}
		if obs.applyErr = c.runtime.Apply(ctx, plan); obs.applyErr == nil {
			if plan.Baseline != nil {
				c.links.Store(ns+"/"+name, fmt.Sprint(*plan.Baseline))
			}
			if obs.state, err = c.runtime.Status(ctx, ns, name); err != nil {
				return obs, err
			}
		}
	}
	if obs.applyErr == nil && obs.missing == nil {
		obs.stubsDue = c.refreshStubCredentials(ctx, env, plan)
	}
	return obs, nil
}

// writeStatus derives the status from the observation and writes it when
// it changed enough to be worth a write.
func (c *Controller) writeStatus(ctx context.Context, env *staxv1.Environment, obs observation) (staxv1.EnvironmentStatus, error) {
	status := nextStatus(env, obs)
	status.IdleShutdownTime, status.ExpirationTime = c.shutdownTimes(env, status)
	if !statusChanged(env.Status, status, obs.now) {
		return status, nil
	}
	env.Status = status
	written, err := c.client.StaxV1alpha1().Environments(env.Namespace).UpdateStatus(ctx, env, metav1.UpdateOptions{})
	if isTooLarge(err) {
		return c.writeTooLarge(ctx, env, status, err)
	}
	if err == nil {
		c.stale.wrote(env, written)
	}
	return status, ignoreGoneOrStale(err)
}

// finalize tears the environment down, writes its record and lets it go.
func (c *Controller) finalize(ctx context.Context, env *staxv1.Environment, now time.Time) error {
	if !hasFinalizer(env) {
		return nil
	}
	c.shadows.forget(env.Namespace, env.Name, env.UID) // its diff goes with it
	if env.Status.Phase != staxv1.EnvironmentTerminating {
		env.Status.Phase = staxv1.EnvironmentTerminating
		updated, err := c.client.StaxV1alpha1().Environments(env.Namespace).UpdateStatus(ctx, env, metav1.UpdateOptions{})
		if err != nil {
			return ignoreGoneOrStale(err)
		}
		env = updated
	}
	if err := c.runtime.Delete(ctx, env.Namespace, env.Name); err != nil && !errors.Is(err, runtime.ErrNotFound) {
		return err
	}
	record := recordFor(env, now)
	if _, err := c.client.StaxV1alpha1().EnvironmentRecords(env.Namespace).Create(ctx, record, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if err := c.deleteDiffs(ctx, env); err != nil {
		return err
	}
	var kept []string
	for _, f := range env.Finalizers {
		if f != Finalizer {
			kept = append(kept, f)
		}
	}
	env.Finalizers = kept
	_, err := c.client.StaxV1alpha1().Environments(env.Namespace).Update(ctx, env, metav1.UpdateOptions{})
	c.activity.Forget(env.Namespace, env.Name)
	return ignoreGoneOrStale(err)
}

// deleteDiffs deletes an overlay's EnvironmentDiff with it, once its
// fronts are gone (the runtime tore them down): standalone servers have no
// garbage collector to follow the owner reference. A diff of another
// overlay of the same name (another uid) is not this one's to delete.
func (c *Controller) deleteDiffs(ctx context.Context, env *staxv1.Environment) error {
	if env.Spec.BaselineRef == nil {
		return nil
	}
	diffs := c.client.StaxV1alpha1().EnvironmentDiffs(env.Namespace)
	d, err := diffs.Get(ctx, env.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !ownedBy(d.OwnerReferences, env.UID) {
		return nil
	}
	err = diffs.Delete(ctx, env.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &d.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.UID == uid {
			return true
		}
	}
	return false
}

// idleShutdownTime is when an unused environment will be stopped.
func (c *Controller) idleShutdownTime(env *staxv1.Environment) time.Time {
	last := c.activity.Last(env.Namespace, env.Name)
	// Use through another replica reaches this one as the status field
	// that replica writes.
	if used := env.Status.LastUsedTime; used != nil && used.After(last) {
		last = used.Time
	}
	if last.IsZero() {
		// Unknown since this process started: count from now, not from
		// creation, so a restart never stops environments at once.
		c.activity.Touch(env.Namespace, env.Name)
		last = c.activity.Last(env.Namespace, env.Name)
	}
	return last.Add(env.Spec.AutoShutdown.IdleTimeout.Duration)
}

func (c *Controller) shutdownTimes(env *staxv1.Environment, st staxv1.EnvironmentStatus) (idle, expire *metav1.Time) {
	as := env.Spec.AutoShutdown
	if as == nil {
		return nil, nil
	}
	if as.IdleTimeout != nil && !env.Spec.Paused {
		t := metav1.NewTime(c.idleShutdownTime(env).Truncate(time.Second))
		idle = &t
	}
	if as.TimeToLive != nil {
		t := metav1.NewTime(env.CreationTimestamp.Add(as.TimeToLive.Duration))
		expire = &t
	}
	return idle, expire
}

// statusChanged says whether a write is worth it: any change but the probe
// time, or a probe time older than ten seconds.
func statusChanged(old, next staxv1.EnvironmentStatus, now time.Time) bool {
	a, b := old.DeepCopy(), next.DeepCopy()
	a.LastProbeTime, b.LastProbeTime = nil, nil
	if !apiequality.Semantic.DeepEqual(a, b) {
		return true
	}
	if next.LastProbeTime == nil {
		return false
	}
	return old.LastProbeTime == nil || now.Sub(old.LastProbeTime.Time) > 10*time.Second
}

func hasFinalizer(env *staxv1.Environment) bool {
	for _, f := range env.Finalizers {
		if f == Finalizer {
			return true
		}
	}
	return false
}

func wasStopped(env *staxv1.Environment) bool {
	return env.Status.Phase == staxv1.EnvironmentStopped || env.Status.Phase == staxv1.EnvironmentStopping
}

func allStopped(state runtime.EnvironmentState) bool {
	if len(state.Services) == 0 {
		return false
	}
	for _, s := range state.Services {
		if s.Health != runtime.HealthStopped {
			return false
		}
	}
	return true
}

// ignoreGoneOrStale drops errors that the informer's next event resolves.
func ignoreGoneOrStale(err error) error {
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		// Gone, or changed under us: the informer brings the next version.
		return nil
	}
	return err
}
