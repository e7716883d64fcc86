package environment

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/diffpublish"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/runtime"
)

// DefaultShadowPublish is how often the overlays' diff reports are
// written to their EnvironmentDiffs.
const DefaultShadowPublish = diffpublish.DefaultInterval

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

// shadowEngine is one overlay's publisher and the settings it was made of.
type shadowEngine struct {
	namespace, name string
	settings        string
	*diffpublish.Publisher
}

func newShadowEngines(client versioned.Interface) *shadowEngines {
	return &shadowEngines{client: client, engines: map[types.UID]*shadowEngine{}}
}

// sinkFor is the sink of env's shadow plan: each exchange goes to the
// overlay's engine (engineOf).
func (s *shadowEngines) sinkFor(ctx context.Context, env *staxv1.Environment) runtime.ShadowSink {
	return s.engineOf(ctx, env).Add
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
	next := &shadowEngine{namespace: env.Namespace, name: env.Name, settings: settings,
		Publisher: diffpublish.NewPublisher(s.client, env.Namespace, env.Name, env.UID, engineOptions(env.Spec.Shadow))}
	if cur != nil {
		cur.Publish(ctx)
	} else if since := env.Spec.Shadow.Since; since != nil {
		// A failed read starts an empty window: results already stored
		// stay until its first publish replaces the endpoints it has seen.
		if err := next.Restore(ctx, since.Time); err != nil {
			klog.ErrorS(err, "Reading an overlay's stored diffs to continue them", "environment", klog.KObj(env))
		}
	}
	s.mu.Lock()
	s.engines[env.UID] = next
	s.mu.Unlock()
	return next
}

// off ends env's engine, when its shadow is off, after a last publish.
func (s *shadowEngines) off(ctx context.Context, uid types.UID) {
	s.mu.Lock()
	e := s.engines[uid]
	delete(s.engines, uid)
	s.mu.Unlock()
	if e != nil {
		e.Publish(ctx)
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
// once more then.
func (s *shadowEngines) run(ctx context.Context, interval time.Duration) {
	diffpublish.Every(ctx, interval, s.publishAll)
}

func (s *shadowEngines) publishAll(ctx context.Context) {
	s.mu.Lock()
	all := make([]*shadowEngine, 0, len(s.engines))
	for _, e := range s.engines {
		all = append(all, e)
	}
	s.mu.Unlock()
	for _, e := range all {
		e.Publish(ctx)
	}
}
