package environment

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// ReasonStatusTooLarge is the Ready condition's reason when the status of
// an environment is larger than the storage takes in one write.
const ReasonStatusTooLarge = "StatusTooLarge"

// isTooLarge says whether a write failed on the size of the object. The
// apiserver answers both forms as a 500 carrying the message: etcd refuses a
// request above its limit (about 1.5 MiB) with "etcdserver: request is too
// large", and the etcd client refuses to send one above 2 MiB with "trying
// to send message larger than max". A 413 is the apiserver refusing the
// request body itself.
func isTooLarge(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return apierrors.IsRequestEntityTooLargeError(err) ||
		strings.Contains(msg, "etcdserver: request is too large") ||
		strings.Contains(msg, "trying to send message larger than max")
}

// writeTooLarge replaces a status that cannot be stored with one that can:
// Failed, without the per-service list, and a condition that says why. The
// runtime keeps what it runs; the next spec change (a smaller blueprint, a
// stop, a delete) is tried again.
func (c *Controller) writeTooLarge(ctx context.Context, env *staxv1.Environment, status staxv1.EnvironmentStatus, writeErr error) (staxv1.EnvironmentStatus, error) {
	klog.InfoS("Status too large to store; marking the environment Failed", "environment", klog.KObj(env),
		"services", len(status.Services), "err", writeErr)
	msg := fmt.Sprintf("the status of %d services is larger than the storage accepts in one write; "+
		"use fewer services (the server's bounds were raised above what it can store)", len(status.Services))
	now := metav1.NewTime(c.now())
	status.Phase = staxv1.EnvironmentFailed
	status.Services = nil
	status.LastReady = nil // a copy of the blueprint: as large again
	setCondition(&status, staxv1.ConditionReady, metav1.ConditionFalse, ReasonStatusTooLarge, msg, env.Generation, now)
	env.Status = status
	written, err := c.client.StaxV1alpha1().Environments(env.Namespace).UpdateStatus(ctx, env, metav1.UpdateOptions{})
	if err == nil {
		c.stale.wrote(env, written)
	}
	return status, ignoreGoneOrStale(err)
}

// statusTooLarge says whether this generation already failed on the size
// of its status: then nothing is tried again until the spec changes.
func statusTooLarge(env *staxv1.Environment) bool {
	if env.Status.Phase != staxv1.EnvironmentFailed || env.Status.ObservedGeneration != env.Generation {
		return false
	}
	ready := meta.FindStatusCondition(env.Status.Conditions, staxv1.ConditionReady)
	return ready != nil && ready.Reason == ReasonStatusTooLarge
}
