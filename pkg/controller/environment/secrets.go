package environment

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	staxinformers "github.com/microstax/stax/pkg/generated/informers/externalversions/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

// ReasonSecretNotFound is the reason of the Provisioned and Ready conditions
// while a secretRef names a Secret or key that does not exist.
const ReasonSecretNotFound = "SecretNotFound"

// missingError is something the organization has not made yet (a
// secretRef's Secret or key, a stub service's Stub): a condition on the
// environment, with its reason, not an error of the sync.
type missingError struct{ reason, msg string }

func (e *missingError) Error() string { return e.msg }

// resolveSecrets fills the value of each secret variable of plan (planFor
// left them empty) from secrets/values; only the controller reads values,
// and only into the plan it hands to the runtime, never into status.
func (c *Controller) resolveSecrets(ctx context.Context, env *staxv1.Environment, plan *runtime.Plan) error {
	read := map[string]*staxv1.Secret{}
	for i, s := range env.Spec.Blueprint.Services {
		for j, e := range s.Env {
			if e.ValueFrom == nil || e.ValueFrom.SecretRef == nil {
				continue
			}
			ref := e.ValueFrom.SecretRef
			sec, ok := read[ref.Name]
			if !ok {
				got, err := c.client.StaxV1alpha1().Secrets(env.Namespace).GetValues(ctx, ref.Name, metav1.GetOptions{})
				if apierrors.IsNotFound(err) {
					return &missingError{ReasonSecretNotFound, fmt.Sprintf("service %s: variable %s: secret %q not found", s.Name, e.Name, ref.Name)}
				}
				if err != nil {
					return err
				}
				sec, read[ref.Name] = got, got
			}
			v, ok := sec.Data[ref.Key]
			if !ok {
				return &missingError{ReasonSecretNotFound, fmt.Sprintf("service %s: variable %s: secret %q has no key %q", s.Name, e.Name, ref.Name, ref.Key)}
			}
			plan.Services[i].Env[j].Value = v
		}
	}
	return nil
}

// waitingForSecret: the last sync found a secretRef unfilled, so the next
// one applies again even though the spec has not moved.
func waitingForSecret(env *staxv1.Environment) bool {
	c := meta.FindStatusCondition(env.Status.Conditions, staxv1.ConditionProvisioned)
	return c != nil && c.Reason == ReasonSecretNotFound
}

// WatchSecrets syncs the environments of a namespace that wait for a
// secret when a Secret of that namespace is written, so that creating the
// missing Secret (or key) provisions them at once; a steady poll is the
// fallback. The informer lists keys only: no value reaches its cache.
func (c *Controller) WatchSecrets(informer staxinformers.SecretInformer) {
	enqueue := func(obj interface{}) {
		s, ok := obj.(*staxv1.Secret)
		if !ok {
			return
		}
		envs, err := c.lister.Environments(s.Namespace).List(labels.Everything())
		if err != nil {
			return
		}
		for _, env := range envs {
			if waitingForSecret(env) {
				c.queue.Enqueue(env)
			}
		}
	}
	_, _ = informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj interface{}) { enqueue(obj) },
	})
	c.synced = allSynced(c.synced, informer.Informer().HasSynced)
}

func allSynced(fs ...cache.InformerSynced) cache.InformerSynced {
	return func() bool {
		for _, f := range fs {
			if !f() {
				return false
			}
		}
		return true
	}
}
