package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/apis/stax"
)

// envWatch follows one environment with the caller's token: a list to
// find it (404 when absent) and a watch from there, started again when the
// apiserver ends it.
type envWatch struct {
	g       *Gateway
	r       *request
	name    string
	rv      string
	initial json.RawMessage
}

// watchEvent is one event of a watch stream.
type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// errDeleted ends a stream because its environment was deleted.
var errDeleted = errors.New("environment deleted")

func (g *Gateway) startWatch(ctx context.Context, r *request, name string) (*envWatch, error) {
	data, err := g.up.json(ctx, r.token, r.id, call{method: http.MethodGet, path: envPath(r.org),
		query: url.Values{"fieldSelector": {"metadata.name=" + name}}})
	if err != nil {
		return nil, err
	}
	var list struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	if len(list.Items) == 0 {
		return nil, apierrors.NewNotFound(stax.Resource("environments"), name)
	}
	return &envWatch{g: g, r: r, name: name, rv: list.Metadata.ResourceVersion, initial: list.Items[0]}, nil
}

// errExpired means the apiserver no longer has the events since w.rv (410
// Gone): the watch must start again from a fresh list.
var errExpired = errors.New("watch expired")

// run calls on for each event until ctx ends, on returns false, or the
// environment is deleted (errDeleted, after on saw the DELETED event).
// Bookmarks keep the resource version fresh while nothing happens, and a
// watch that expired anyway starts again from a list, whose object is
// passed on as MODIFIED.
func (w *envWatch) run(ctx context.Context, on func(typ string, obj json.RawMessage) bool) error {
	last := w.initial
	for ctx.Err() == nil {
		q := url.Values{"watch": {"true"}, "fieldSelector": {"metadata.name=" + w.name}, "resourceVersion": {w.rv},
			"allowWatchBookmarks": {"true"}}
		resp, err := w.g.up.do(ctx, w.r.token, w.r.id, call{method: http.MethodGet, path: envPath(w.r.org), query: q})
		if err != nil {
			return err
		}
		err = w.read(resp.Body, func(typ string, obj json.RawMessage) bool {
			last = obj
			return on(typ, obj)
		})
		resp.Body.Close()
		if errors.Is(err, errExpired) {
			fresh, err := w.g.startWatch(ctx, w.r, w.name)
			if apierrors.IsNotFound(err) {
				on("DELETED", last) // deleted while the watch was away
				return errDeleted
			}
			if err != nil {
				return err
			}
			w.rv, last = fresh.rv, fresh.initial
			if !on("MODIFIED", fresh.initial) {
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

// read decodes one watch stream; nil means it ended and may be resumed.
func (w *envWatch) read(body io.Reader, on func(string, json.RawMessage) bool) error {
	dec := json.NewDecoder(body)
	for {
		var ev watchEvent
		if err := dec.Decode(&ev); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if ev.Type == "ERROR" {
			var status metav1.Status
			if json.Unmarshal(ev.Object, &status) == nil && status.Code == http.StatusGone {
				return errExpired
			}
			return errors.New("watch error: " + string(ev.Object))
		}
		var meta struct {
			Metadata struct {
				ResourceVersion string `json:"resourceVersion"`
			} `json:"metadata"`
		}
		if json.Unmarshal(ev.Object, &meta) == nil && meta.Metadata.ResourceVersion != "" {
			w.rv = meta.Metadata.ResourceVersion
		}
		if ev.Type == "BOOKMARK" {
			continue // only its resource version counts
		}
		if !on(ev.Type, ev.Object) {
			return context.Canceled
		}
		if ev.Type == "DELETED" {
			return errDeleted
		}
	}
}
