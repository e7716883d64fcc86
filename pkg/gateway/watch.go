package gateway

import (
	"context"
	"errors"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/microstax/stax/pkg/apis/stax"
	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/scheme"
)

// envWatch follows one environment with the caller's token: a list to
// find it (404 when absent) and a watch from there, started again when the
// apiserver ends it.
type envWatch struct {
	up        *upstream
	org, name string
	rv        string
	initial   *staxv1.Environment
}

// errDeleted ends a stream because its environment was deleted.
var errDeleted = errors.New("environment deleted")

// errExpired means the apiserver no longer has the events since w.rv (410
// Gone): the watch must start again from a fresh list.
var errExpired = errors.New("watch expired")

// startWatch lists the environment; ctx carries the caller.
func (u *upstream) startWatch(ctx context.Context, org, name string) (*envWatch, error) {
	var list staxv1.EnvironmentList
	opts := &metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()}
	if err := into(ctx, u.environments(http.MethodGet, org).VersionedParams(opts, scheme.ParameterCodec), &list); err != nil {
		return nil, err
	}
	if len(list.Items) == 0 {
		return nil, apierrors.NewNotFound(stax.Resource("environments"), name)
	}
	return &envWatch{up: u, org: org, name: name, rv: list.ResourceVersion, initial: &list.Items[0]}, nil
}

// run calls on for each event until ctx ends, on returns false, or the
// environment is deleted (errDeleted, after on saw the DELETED event).
// Bookmarks keep the resource version fresh while nothing happens, and a
// watch that expired anyway starts again from a list, whose object is
// passed on as MODIFIED.
func (w *envWatch) run(ctx context.Context, on func(watch.EventType, *staxv1.Environment) bool) error {
	last := w.initial
	for ctx.Err() == nil {
		opts := &metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", w.name).String(),
			Watch: true, ResourceVersion: w.rv, AllowWatchBookmarks: true}
		wi, err := w.up.environments(http.MethodGet, w.org).VersionedParams(opts, scheme.ParameterCodec).Watch(ctx)
		if err != nil {
			return upstreamError(err)
		}
		err = w.read(ctx, wi, func(typ watch.EventType, env *staxv1.Environment) bool {
			last = env
			return on(typ, env)
		})
		wi.Stop()
		if errors.Is(err, errExpired) {
			fresh, err := w.up.startWatch(ctx, w.org, w.name)
			if apierrors.IsNotFound(err) {
				on(watch.Deleted, last) // deleted while the watch was away
				return errDeleted
			}
			if err != nil {
				return err
			}
			w.rv, last = fresh.rv, fresh.initial
			if !on(watch.Modified, fresh.initial) {
				return context.Canceled
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// read follows one watch; nil means it ended and may be resumed.
func (w *envWatch) read(ctx context.Context, wi watch.Interface, on func(watch.EventType, *staxv1.Environment) bool) error {
	for {
		var ev watch.Event
		var open bool
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, open = <-wi.ResultChan():
		}
		if !open {
			return nil
		}
		if ev.Type == watch.Error {
			err := apierrors.FromObject(ev.Object)
			if apierrors.IsGone(err) || apierrors.IsResourceExpired(err) {
				return errExpired
			}
			return err
		}
		env, ok := ev.Object.(*staxv1.Environment)
		if !ok {
			return errors.New("watch sent an object that is not an Environment")
		}
		if env.ResourceVersion != "" {
			w.rv = env.ResourceVersion
		}
		if ev.Type == watch.Bookmark {
			continue // only its resource version counts
		}
		if !on(ev.Type, env) {
			return context.Canceled
		}
		if ev.Type == watch.Deleted {
			return errDeleted
		}
	}
}
