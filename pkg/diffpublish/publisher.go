package diffpublish

import (
	"context"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// DefaultInterval is how often a Publisher's report is written to the
// overlay's EnvironmentDiff: results are a few seconds behind the fronts.
const DefaultInterval = 3 * time.Second

// lastPublish bounds the publish Run makes once its context has ended.
const lastPublish = 5 * time.Second

// Publisher is one overlay's diff engine whose report goes to the
// overlay's EnvironmentDiff: exchanges come in through Add, Publish
// writes the report when something new was compared, Run does so every
// interval and once more at the end, and Restore seeds the engine from the
// stored report after a restart. The environment controller keeps one per
// shadowing overlay (the local runtime's fronts), stax-shadow one for its
// service (the kubernetes runtime's); docs/shadow.md, "How results flow".
type Publisher struct {
	client             versioned.Interface
	namespace, overlay string
	engine             *diff.Engine

	// uid is the overlay's: a later overlay of the name is not written
	// to. Empty until known (NewPublisher, Continue or the first
	// Publish), so a process that has only the name binds to the overlay
	// it first finds.
	uidMu sync.Mutex
	uid   types.UID

	// publishing holds one publish at a time; published is the engine's
	// request count the last one wrote.
	publishing sync.Mutex
	published  int64
}

// NewPublisher is an empty engine with options o for the overlay of uid
// in namespace named overlay ("" for the uid of the one first found),
// published through client.
func NewPublisher(client versioned.Interface, namespace, overlay string, uid types.UID, o diff.Options) *Publisher {
	return &Publisher{client: client, namespace: namespace, overlay: overlay, uid: uid, engine: diff.NewEngine(o)}
}

// bind is the overlay's uid, found with a read of the overlay when not yet
// known.
func (p *Publisher) bind(ctx context.Context) (types.UID, error) {
	p.uidMu.Lock()
	defer p.uidMu.Unlock()
	if p.uid != "" {
		return p.uid, nil
	}
	env, err := p.client.StaxV1alpha1().Environments(p.namespace).Get(ctx, p.overlay, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	p.uid = env.UID
	return p.uid, nil
}

// endpointOf names an endpoint of service: its name keeps the routes of
// two services of an overlay apart, in the engine and in the one
// EnvironmentDiff they share ("api:GET /users/{id}").
func endpointOf(service, method string) string { return service + ":" + method }

// Add compares one mirrored exchange of service; safe for concurrent use.
func (p *Publisher) Add(service string, x diff.Exchange) {
	x.Method = endpointOf(service, x.Method)
	p.engine.Observe(x)
}

// Requests is the number of exchanges compared, restored ones included.
func (p *Publisher) Requests() int64 { return p.engine.Requests() }

// Restore seeds the engine with the stored report of the overlay's
// current window, the endpoints last seen at or after since; with
// services named, only theirs (a process that compares one service must
// not publish another's stored counts over that one's newer ones). A diff
// of another overlay of the name, or none, seeds nothing. Call it before
// the first Add.
func (p *Publisher) Restore(ctx context.Context, since time.Time, services ...string) error {
	uid, err := p.bind(ctx)
	if err != nil {
		return err
	}
	d, err := p.client.StaxV1alpha1().EnvironmentDiffs(p.namespace).Get(ctx, p.overlay, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !ownedBy(d, uid) {
		return nil
	}
	r := Stored(d.Report, since)
	if len(services) > 0 {
		kept := r.Endpoints[:0]
		for _, e := range r.Endpoints {
			for _, s := range services {
				if strings.HasPrefix(e.Endpoint, endpointOf(s, "")) {
					kept = append(kept, e)
					break
				}
			}
		}
		r.Endpoints = kept
	}
	p.engine.Restore(r)
	p.publishing.Lock()
	p.published = p.engine.Requests()
	p.publishing.Unlock()
	return nil
}

// Continue is Restore for the overlay as the API has it now: its
// spec.shadow.since (a process that has only the overlay's name, as
// stax-shadow has, binds to this overlay's uid). An overlay with no
// window (shadow off), or one of another uid than the Publisher's, seeds
// nothing.
func (p *Publisher) Continue(ctx context.Context, services ...string) error {
	env, err := p.client.StaxV1alpha1().Environments(p.namespace).Get(ctx, p.overlay, metav1.GetOptions{})
	if err != nil {
		return err
	}
	p.uidMu.Lock()
	if p.uid == "" {
		p.uid = env.UID
	}
	same := p.uid == env.UID
	p.uidMu.Unlock()
	if !same || env.Spec.Shadow == nil || env.Spec.Shadow.Since == nil {
		return nil
	}
	return p.Restore(ctx, env.Spec.Shadow.Since.Time, services...)
}

// Publish writes the report if the engine compared anything since the
// last write. An overlay being deleted or gone (or replaced by another of
// its name) refuses it (409, 404):
// nothing to keep, and no error worth more than a log line.
func (p *Publisher) Publish(ctx context.Context) {
	p.publishing.Lock()
	defer p.publishing.Unlock()
	n := p.engine.Requests()
	if n == p.published {
		return
	}
	uid, err := p.bind(ctx)
	if err == nil {
		err = Publish(ctx, p.client, p.namespace, p.overlay, uid, p.engine.Report())
	}
	switch {
	case err == nil:
		p.published = n
	case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
		klog.V(4).InfoS("An overlay's diffs not published: it is gone or going", "environment", klog.KRef(p.namespace, p.overlay), "err", err)
	default:
		klog.ErrorS(err, "Publishing an overlay's diffs", "environment", klog.KRef(p.namespace, p.overlay))
	}
}

// Run publishes every interval until ctx ends, and once more then.
func (p *Publisher) Run(ctx context.Context, interval time.Duration) {
	Every(ctx, interval, p.Publish)
}

// Every calls publish every interval until ctx ends, and once more then
// with a few seconds of its own: the loop of Run, and of a process that
// publishes many Publishers.
func Every(ctx context.Context, interval time.Duration, publish func(context.Context)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.Background(), lastPublish)
			publish(last)
			cancel()
			return
		case <-tick.C:
			publish(ctx)
		}
	}
}
