package activity

import (
	"context"
	"errors"
	"strings"
	"time"

	"k8s.io/klog/v2"
)

// WriteFunc records that namespace/name was used at a time (in the
// environment's status.lastUsedTime, so other replicas see it).
type WriteFunc func(ctx context.Context, namespace, name string, at time.Time) error

// use records a request's use: like Touch, and remembered for the next
// write. Touch alone (the controller's own notion of use) is not written.
func (t *Tracker) use(namespace, name string) {
	key := namespace + "/" + name
	t.mu.Lock()
	now := t.now()
	t.last[key] = now
	t.used[key] = now
	t.mu.Unlock()
}

// WriteUsed writes the use of every environment used since the last
// write. Uses that fail to write are kept for the next one.
func (t *Tracker) WriteUsed(ctx context.Context, write WriteFunc) error {
	t.mu.Lock()
	pending := t.used
	t.used = map[string]time.Time{}
	t.mu.Unlock()
	var errs []error
	for key, at := range pending {
		namespace, name, _ := strings.Cut(key, "/")
		if err := write(ctx, namespace, name, at.Truncate(time.Second)); err != nil {
			errs = append(errs, err)
			t.mu.Lock()
			if later, ok := t.used[key]; !ok || later.Before(at) {
				t.used[key] = at
			}
			t.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}

// RunWrites calls WriteUsed every interval until ctx ends.
func (t *Tracker) RunWrites(ctx context.Context, interval time.Duration, write WriteFunc) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := t.WriteUsed(ctx, write); err != nil {
				klog.ErrorS(err, "Writing environments' last use")
			}
		}
	}
}
