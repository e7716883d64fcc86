// Package drift is the drift controller: under its organization's drift
// policy it compares each running environment's live runtime objects with
// its plan (runtime.DriftDetector), reports drift in the Drifted condition
// and a bounded history in status.drift, and under remediate restores the
// plan once the drift has lasted the grace period.
package drift

import (
	"context"
	"errors"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/controller/environment"
	"github.com/microstax/stax/pkg/controller/worker"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	staxinformers "github.com/microstax/stax/pkg/generated/informers/externalversions/stax/v1alpha1"
	staxlisters "github.com/microstax/stax/pkg/generated/listers/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

// DefaultInterval is how often a running environment is checked.
const DefaultInterval = 10 * time.Second

// Controller checks environments for drift.
type Controller struct {
	client   versioned.Interface
	envs     staxlisters.EnvironmentLister
	orgs     staxlisters.OrganizationLister
	synced   []cache.InformerSynced
	queue    *worker.Queue
	detector runtime.DriftDetector
	recorder runtime.DriftRecorder // nil when the runtime keeps no events
	now      func() time.Time

	// Interval is how often a running environment is checked; the plan is
	// restored within the grace period plus one Interval of a change.
	Interval time.Duration
}

// New returns a controller fed by the informers, checking with detector;
// a detector that is also a runtime.DriftRecorder gets Events.
func New(client versioned.Interface, envs staxinformers.EnvironmentInformer, orgs staxinformers.OrganizationInformer, detector runtime.DriftDetector) *Controller {
	c := &Controller{
		client:   client,
		envs:     envs.Lister(),
		orgs:     orgs.Lister(),
		synced:   []cache.InformerSynced{envs.Informer().HasSynced, orgs.Informer().HasSynced},
		detector: detector,
		now:      time.Now,
		Interval: DefaultInterval,
	}
	c.recorder, _ = detector.(runtime.DriftRecorder)
	c.queue = worker.New("drift", c.sync)
	_, _ = envs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.queue.Enqueue,
		// Status writes (ours, the environment controller's) are not news:
		// a spec change or a phase change is.
		UpdateFunc: func(old, obj interface{}) {
			o, n := old.(*staxv1.Environment), obj.(*staxv1.Environment)
			if o.Generation != n.Generation || o.Status.Phase != n.Status.Phase || o.Status.ObservedGeneration != n.Status.ObservedGeneration {
				c.queue.Enqueue(obj)
			}
		},
	})
	// A policy change reaches every environment of the organization.
	_, _ = orgs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.organizationChanged,
		UpdateFunc: func(_, obj interface{}) { c.organizationChanged(obj) },
	})
	return c
}

// Run works the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.synced...)
}

func (c *Controller) organizationChanged(obj interface{}) {
	org, ok := obj.(*staxv1.Organization)
	if !ok {
		return
	}
	envs, _ := c.envs.Environments(org.Name).List(labels.Everything())
	for _, env := range envs {
		c.queue.Enqueue(env)
	}
}

// policyOf is the organization's drift policy; nil is off.
func (c *Controller) policyOf(namespace string) *staxv1.DriftPolicy {
	org, err := c.orgs.Get(namespace)
	if err != nil || org.Spec.DriftPolicy == nil || org.Spec.DriftPolicy.Mode == staxv1.DriftOff || org.Spec.DriftPolicy.Mode == "" {
		return nil
	}
	return org.Spec.DriftPolicy
}

func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, err
	}
	cached, err := c.envs.Environments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	policy := c.policyOf(ns)
	if policy == nil {
		// Off: the condition goes (the history stays), and nothing is checked.
		if meta.FindStatusCondition(cached.Status.Conditions, staxv1.ConditionDrifted) == nil {
			return 0, nil
		}
		env := cached.DeepCopy()
		meta.RemoveStatusCondition(&env.Status.Conditions, staxv1.ConditionDrifted)
		return 0, c.write(ctx, env, cached.Status.Drift)
	}
	if !checkable(cached) {
		// Not running the current plan (yet): the environment
		// controller's business. Its next phase change brings it back.
		return c.Interval, nil
	}
	env := cached.DeepCopy()
	plan, err := environment.PlanOf(ctx, c.client, env)
	if err != nil {
		return c.Interval, nil // a missing secret: the environment controller reports it
	}
	found, err := c.detector.Drift(ctx, plan)
	if errors.Is(err, runtime.ErrNotFound) {
		return c.Interval, nil
	}
	if err != nil {
		return 0, err
	}
	var kept []runtime.Drift
	for _, d := range found {
		if !policy.Ignores(d.Service, d.Field) {
			kept = append(kept, d)
		}
	}
	now := c.now()
	st := env.Status.Drift.DeepCopy()
	if st == nil {
		st = &staxv1.EnvironmentDrift{}
	}
	var fresh []runtime.Drift
	for _, d := range kept {
		if open(st, d.Service, d.Field) == nil {
			fresh = append(fresh, d)
		}
	}
	observed(st, kept, metav1.NewTime(now))
	if len(fresh) > 0 {
		klog.InfoS("Environment drifted from its plan", "environment", klog.KObj(env), "drift", fresh)
		c.record(ctx, env, fresh, false)
	}
	again := c.Interval
	if policy.Mode == staxv1.DriftRemediate && len(kept) > 0 {
		grace := staxv1.DefaultDriftGracePeriod
		if policy.GracePeriod != nil {
			grace = policy.GracePeriod.Duration
		}
		// The same drift again is restored no sooner than a grace period
		// or a check after the last restoration.
		ok, wait := due(st, grace, max(grace, c.Interval), now)
		switch {
		case ok:
			if err := c.detector.Remediate(ctx, plan, kept); err != nil {
				return 0, err
			}
			klog.InfoS("Restored the plan of a drifted environment", "environment", klog.KObj(env), "drift", kept)
			remediated(st, metav1.NewTime(now))
			c.record(ctx, env, kept, true)
			// Look again soon to see the drift resolved.
			again = min(c.Interval, time.Second)
		case wait < again:
			again = wait
		}
	}
	env.Status.Drift = st
	setCondition(&env.Status.Conditions, st, env.Generation, metav1.NewTime(now))
	if worthWriting(cached.Status, env.Status, now) {
		if err := c.write(ctx, env, cached.Status.Drift); err != nil {
			return 0, err
		}
	}
	return again, nil
}

// checkable: the runtime was given the plan of the current spec and runs
// it (a missing object leaves the phase Provisioning or Degraded, so those
// are checked too); not while it stops, is stopped, failed or goes.
func checkable(env *staxv1.Environment) bool {
	if env.DeletionTimestamp != nil || env.Spec.Paused || env.Status.ObservedGeneration != env.Generation {
		return false
	}
	if !meta.IsStatusConditionTrue(env.Status.Conditions, staxv1.ConditionProvisioned) {
		return false
	}
	switch env.Status.Phase {
	case staxv1.EnvironmentReady, staxv1.EnvironmentDegraded, staxv1.EnvironmentProvisioning, staxv1.EnvironmentResuming:
		return true
	}
	return false
}

// worthWriting: anything changed but the check time, or the last written
// check time is a minute old.
func worthWriting(old, next staxv1.EnvironmentStatus, now time.Time) bool {
	a, b := old.DeepCopy(), next.DeepCopy()
	var lastWritten *metav1.Time
	if a.Drift != nil {
		lastWritten, a.Drift.LastCheckTime = a.Drift.LastCheckTime, nil
	}
	if b.Drift != nil {
		b.Drift.LastCheckTime = nil
	}
	if !apiequality.Semantic.DeepEqual(a, b) {
		return true
	}
	return lastWritten == nil || now.Sub(lastWritten.Time) >= time.Minute
}

// write stores env's drift status and Drifted condition, computed from a
// cached copy whose drift status was base. On a conflict it puts them on
// the newest version when only others' fields changed there (the
// environment controller wrote first). When the drift status itself
// changed (this controller's own last write, which the cache had not
// shown yet), what was computed from base is stale: writing it would
// undo that write, a remediation it recorded with it, so the conflict is
// returned and the sync runs again on a fresher copy.
func (c *Controller) write(ctx context.Context, env *staxv1.Environment, base *staxv1.EnvironmentDrift) error {
	drift, cond := env.Status.Drift, meta.FindStatusCondition(env.Status.Conditions, staxv1.ConditionDrifted)
	envs := c.client.StaxV1alpha1().Environments(env.Namespace)
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if _, err = envs.UpdateStatus(ctx, env, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
			break
		}
		latest, getErr := envs.Get(ctx, env.Name, metav1.GetOptions{})
		if getErr != nil {
			err = getErr
			break
		}
		if !apiequality.Semantic.DeepEqual(latest.Status.Drift, base) {
			break
		}
		latest.Status.Drift = drift
		if cond == nil {
			meta.RemoveStatusCondition(&latest.Status.Conditions, staxv1.ConditionDrifted)
		} else {
			meta.SetStatusCondition(&latest.Status.Conditions, *cond)
		}
		env = latest
	}
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (c *Controller) record(ctx context.Context, env *staxv1.Environment, drift []runtime.Drift, remediated bool) {
	if c.recorder == nil {
		return
	}
	if err := c.recorder.RecordDrift(ctx, env.Namespace, env.Name, drift, remediated); err != nil {
		klog.ErrorS(err, "Recording drift as an Event", "environment", klog.KObj(env))
	}
}
