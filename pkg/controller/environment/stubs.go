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

// ReasonStubNotFound is the reason of the Provisioned and Ready conditions
// while a stub service names a Stub that does not exist or has no
// document yet. It is seen here, not at admission, as a missing Secret
// is: a blueprint may be written before its Stub is uploaded, and a Stub
// deleted later would not be caught there anyway.
const ReasonStubNotFound = "StubNotFound"

func stubService(s *staxv1.StubServiceSource) *runtime.StubService {
	if s == nil {
		return nil
	}
	return &runtime.StubService{Name: s.Name}
}

// checkStubs says which stub service cannot run yet, as a missingError;
// stax-stub reads the document itself.
func (c *Controller) checkStubs(ctx context.Context, env *staxv1.Environment) error {
	for _, s := range env.Spec.Blueprint.Services {
		if s.Stub == nil {
			continue
		}
		st, err := c.client.StaxV1alpha1().Stubs(env.Namespace).Get(ctx, s.Stub.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return &missingError{ReasonStubNotFound, fmt.Sprintf("service %s: stub %q not found", s.Name, s.Stub.Name)}
		case err != nil:
			return err
		case st.Status.Phase == staxv1.StubPending || st.Status.Phase == "":
			return &missingError{ReasonStubNotFound, fmt.Sprintf("service %s: stub %q has no document yet", s.Name, s.Stub.Name)}
		}
	}
	return nil
}

// waitingForStub: the last sync found a Stub missing.
func waitingForStub(env *staxv1.Environment) bool {
	c := meta.FindStatusCondition(env.Status.Conditions, staxv1.ConditionProvisioned)
	return c != nil && c.Reason == ReasonStubNotFound
}

// WatchStubs syncs the environments of a namespace that wait for a Stub
// when a Stub of that namespace is written (created, or its document
// uploaded), as WatchSecrets does for Secrets.
func (c *Controller) WatchStubs(informer staxinformers.StubInformer) {
	enqueue := func(obj interface{}) {
		s, ok := obj.(*staxv1.Stub)
		if !ok {
			return
		}
		envs, err := c.lister.Environments(s.Namespace).List(labels.Everything())
		if err != nil {
			return
		}
		for _, env := range envs {
			if waitingForStub(env) {
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
