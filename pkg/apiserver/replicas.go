package apiserver

import (
	"context"
	"encoding/json"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/activity"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// shareOf applies a replica's share to each organization's limit.
func shareOf(limitOf func(org string) int, share func(int) int) func(string) int {
	if share == nil {
		return limitOf
	}
	return func(org string) int { return share(limitOf(org)) }
}

// writeActivity writes, every interval, status.lastUsedTime of the
// environments used through this replica since the last write: a coarse
// record the idle timeout of any replica's controller reads, at most one
// write per environment and interval.
func writeActivity(generic *genericapiserver.GenericAPIServer, tracker *activity.Tracker, client versioned.Interface, interval time.Duration) {
	if interval <= 0 || client == nil {
		return
	}
	write := func(ctx context.Context, namespace, name string, at time.Time) error {
		patch, err := json.Marshal(map[string]any{"status": map[string]any{"lastUsedTime": metav1.NewTime(at)}})
		if err != nil {
			return err
		}
		_, err = client.StaxV1alpha1().Environments(namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	generic.AddPostStartHookOrDie("stax-write-activity", func(hook genericapiserver.PostStartHookContext) error {
		go tracker.RunWrites(hook, interval, write)
		return nil
	})
	// What was used since the last write is written before the replica goes.
	generic.AddPreShutdownHookOrDie("stax-write-activity", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tracker.WriteUsed(ctx, write); err != nil {
			klog.ErrorS(err, "Writing environments' last use before shutdown")
		}
		return nil
	})
}
