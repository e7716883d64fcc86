package kubectlstax

import (
	"context"
	"errors"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// watchEnvironment calls onChange with each state of one environment (the
// current one first) until it returns true or an error, the environment is
// deleted (onChange(nil)), or timeout passes (a timedOut error). It lists
// and watches with the field selector metadata.name=name, and a watch that
// ends is resumed from where it stopped (client-go's informer), so nothing
// is polled.
func watchEnvironment(ctx context.Context, client versioned.Interface, namespace, name string, timeout time.Duration,
	onChange func(env *staxv1.Environment) (bool, error)) error {
	envs := client.StaxV1alpha1().Environments(namespace)
	selector := fields.OneTermEqualSelector("metadata.name", name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector
			return envs.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector
			return envs.Watch(ctx, o)
		},
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// An environment absent from the first list never sends an event.
	absent := func(store cache.Store) (bool, error) {
		if _, exists, err := store.GetByKey(namespace + "/" + name); err != nil || exists {
			return false, err
		}
		return onChange(nil)
	}
	_, err := watchtools.UntilWithSync(ctx, lw, &staxv1.Environment{}, absent, func(ev watch.Event) (bool, error) {
		switch ev.Type {
		case watch.Deleted:
			return onChange(nil)
		case watch.Added, watch.Modified:
			return onChange(ev.Object.(*staxv1.Environment))
		}
		return false, nil
	})
	if err != nil && ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return timedOut("timed out after %s waiting for environment %q", timeout, name)
	}
	return err
}
