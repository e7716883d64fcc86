package environment

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/diffpublish"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/runtime"
)

// DefaultShadowPublish is how often the overlays' diff reports are
// written to their EnvironmentDiffs.
const DefaultShadowPublish = 3 * time.Second

// shadowEngines are the diff engines of the overlays that shadow, one per
// overlay uid: the runtime's fronts hand each mirrored exchange to its
// overlay's engine (the ShadowPlan's sink), and the engines' reports are
// published now and then through the controller's client
// (docs/shadow.md, "How results flow").
type shadowEngines struct {
	client versioned.Interface

	mu      sync.Mutex
	engines map[types.UID]*shadowEngine
}

// shadowEngine is one overlay's engine and what was published of it.
type shadowEngine struct {
	namespace, name string
	uid             types.UID
	settings        string
	engine          *diff.Engine

	// publishing holds one publish at a time; published is the engine's
	// request count the last one wrote.
	publishing sync.Mutex
	published  int64
}

func newShadowEngines(client versioned.Interface) *shadowEngines {
	return &shadowEngines{client: client, engines: map[types.UID]*shadowEngine{}}
}

// sinkFor is the sink of env's shadow plan: each exchange goes to the
// overlay's engine (engineOf).
func (s *shadowEngines) sinkFor(ctx context.Context, env *staxv1.Environment) runtime.ShadowSink {
	engine := s.engineOf(ctx, env).engine
	return func(service string, x diff.Exchange) {
		// The service's name keeps the routes of two services apart:
		// each method has its own routes in the engine.
		x.Method = service + ":" + x.Method
		engine.Observe(x)
	}
}

// engineOf is env's engine, made on first use, kept while the settings
// stay, and replaced when they change (the old one's report published
// first). A new engine in a process that had none for env (it restarted,
// or shadow just went on) is seeded with the stored report of the current
// window.
func (s *shadowEngines) engineOf(ctx context.Context, env *staxv1.Environment) *shadowEngine {
	settings := engineSettings(env.Spec.Shadow)
	s.mu.Lock()
	cur := s.engines[env.UID]
	s.mu.Unlock()
	if cur != nil && cur.settings == settings {
		return cur
	}
	next := &shadowEngine{namespace: env.Namespace, name: env.Name, uid: env.UID, settings: settings,
		engine: diff.NewEngine(engineOptions(env.Spec.Shadow))}
	if cur != nil {
		s.publish(ctx, cur)
	} else {
		s.restore(ctx, next, env)
	}
	s.mu.Lock()
	s.engines[env.UID] = next
	s.mu.Unlock()
	return next
}

// restore seeds e with the stored report of env's current window, the
// endpoints last seen since spec.shadow.since. A failed read starts an
// empty window: results already stored stay until its first publish
// replaces the endpoints it has seen.
func (s *shadowEngines) restore(ctx context.Context, e *shadowEngine, env *staxv1.Environment) {
	since := env.Spec.Shadow.Since
	if since == nil {
		return
	}
	d, err := s.client.StaxV1alpha1().EnvironmentDiffs(env.Namespace).Get(ctx, env.Name, metav1.GetOptions{})
	if err != nil {
		if !apierrors.IsNotFound(err) {
			klog.ErrorS(err, "Reading an overlay's stored diffs to continue them", "environment", klog.KObj(env))
		}
		return
	}
	if !ownedBy(d.OwnerReferences, env.UID) {
		return
	}
	r := diffpublish.Stored(d.Report, since.Time)
	e.engine.Restore(r)
	e.published = e.engine.Requests()
}

// off ends env's engine, when its shadow is off, after a last publish.
func (s *shadowEngines) off(ctx context.Context, uid types.UID) {
	s.mu.Lock()
	e := s.engines[uid]
	delete(s.engines, uid)
	s.mu.Unlock()
	if e != nil {
		s.publish(ctx, e)
	}
}

// forget drops the engines of an overlay being deleted, or gone, without
// publishing: its diff goes with it. uid empty: every engine of the name.
func (s *shadowEngines) forget(namespace, name string, uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for u, e := range s.engines {
		if u == uid || (uid == "" && e.namespace == namespace && e.name == name) {
			delete(s.engines, u)
		}
	}
}

// run publishes every engine's report each interval until ctx ends, and
// once more then, with a few seconds of its own.
func (s *shadowEngines) run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			s.publishAll(last)
			cancel()
			return
		case <-tick.C:
			s.publishAll(ctx)
		}
	}
}

func (s *shadowEngines) publishAll(ctx context.Context) {
	s.mu.Lock()
	all := make([]*shadowEngine, 0, len(s.engines))
	for _, e := range s.engines {
		all = append(all, e)
	}
	s.mu.Unlock()
	for _, e := range all {
		s.publish(ctx, e)
	}
}

// publish writes e's report if it compared anything since the last write.
// An overlay being deleted or gone refuses it (409, 404): nothing to keep.
func (s *shadowEngines) publish(ctx context.Context, e *shadowEngine) {
	e.publishing.Lock()
	defer e.publishing.Unlock()
	n := e.engine.Requests()
	if n == e.published {
		return
	}
	err := diffpublish.Publish(ctx, s.client, e.namespace, e.name, e.engine.Report())
	switch {
	case err == nil:
		e.published = n
	case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
		klog.V(4).InfoS("An overlay's diffs not published: it is gone or going", "environment", klog.KRef(e.namespace, e.name), "err", err)
	default:
		klog.ErrorS(err, "Publishing an overlay's diffs", "environment", klog.KRef(e.namespace, e.name))
	}
}
