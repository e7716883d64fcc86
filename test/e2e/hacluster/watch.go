package hacluster

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// Watcher follows Environments of a namespace from a resourceVersion,
// resuming from the last one it saw whenever the stream ends, as a
// reflector does without relisting: a relist would hide a gap.
type Watcher struct {
	mu sync.Mutex
	// events are the resourceVersions seen, per key, in order.
	events map[string][]int64
	lastRV int64
	// Resumes counts the streams opened after the first.
	Resumes int
	// Expired are the server's refusals to resume (410 Gone): a gap it
	// admits to.
	Expired []string
	done    chan struct{}
}

// Watch starts a Watcher from rv until ctx ends.
func Watch(ctx context.Context, client versioned.Interface, namespace string, rv int64) *Watcher {
	w := &Watcher{events: map[string][]int64{}, lastRV: rv, done: make(chan struct{})}
	envs := client.StaxV1alpha1().Environments(namespace)
	go func() {
		defer close(w.done)
		for first := true; ctx.Err() == nil; first = false {
			if !first {
				w.mu.Lock()
				w.Resumes++
				w.mu.Unlock()
			}
			from := strconv.FormatInt(w.LastRV(), 10)
			s, err := envs.Watch(ctx, metav1.ListOptions{ResourceVersion: from, AllowWatchBookmarks: true})
			if err != nil {
				if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
					w.expired(from, err)
					return
				}
				sleep(ctx, 200*time.Millisecond)
				continue
			}
			if gone := w.follow(s); gone {
				return
			}
		}
	}()
	return w
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// follow reads one stream to its end; true when the server refused to go
// on from where the watcher was.
func (w *Watcher) follow(s watch.Interface) bool {
	defer s.Stop()
	for ev := range s.ResultChan() {
		switch ev.Type {
		case watch.Added, watch.Modified, watch.Deleted:
			e := ev.Object.(*staxv1.Environment)
			rv := parseRV(e.ResourceVersion)
			w.mu.Lock()
			w.events[e.Name] = append(w.events[e.Name], rv)
			w.lastRV = rv
			w.mu.Unlock()
		case watch.Bookmark:
			e := ev.Object.(*staxv1.Environment)
			w.mu.Lock()
			w.lastRV = parseRV(e.ResourceVersion)
			w.mu.Unlock()
		case watch.Error:
			err := apierrors.FromObject(ev.Object)
			if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
				w.expired(strconv.FormatInt(w.LastRV(), 10), err)
				return true
			}
			return false
		}
	}
	return false
}

func (w *Watcher) expired(from string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Expired = append(w.Expired, fmt.Sprintf("from %s: %v", from, err))
}

// LastRV is the resourceVersion the watcher would resume from.
func (w *Watcher) LastRV() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastRV
}

// Stopped is closed when the watcher has ended.
func (w *Watcher) Stopped() <-chan struct{} { return w.done }

// Gaps are what the stream should have had and did not: every
// acknowledged write and every resourceVersion read after from must be an
// event of its key, and a key's events must only go up.
func (w *Watcher) Gaps(from int64, acks []Ack, reads map[string][]int64) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var gaps []string
	for k, rvs := range w.events {
		for i := 1; i < len(rvs); i++ {
			if rvs[i] <= rvs[i-1] {
				gaps = append(gaps, fmt.Sprintf("%s: event %d after %d", k, rvs[i], rvs[i-1]))
			}
		}
	}
	want := func(k string, rv int64, what string) {
		if rv > from && !slices.Contains(w.events[k], rv) {
			gaps = append(gaps, fmt.Sprintf("%s: %s at %d not watched", k, what, rv))
		}
	}
	for _, a := range acks {
		want(a.Key, a.RV, "acknowledged write")
	}
	for k, rvs := range reads {
		for _, rv := range rvs {
			want(k, rv, "read")
		}
	}
	return append(gaps, w.Expired...)
}

// ReadRVs are the resourceVersions the history's successful reads saw, per key.
func (h *History) ReadRVs() map[string][]int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	reads := map[string][]int64{}
	for _, op := range h.ops {
		in, out := op.Input.(Input), op.Output.(Output)
		if in.Kind == OpGet && out.Outcome == OK {
			reads[in.Key] = append(reads[in.Key], out.RV)
		}
	}
	return reads
}
