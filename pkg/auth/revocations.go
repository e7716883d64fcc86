package auth

import (
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	staxinformers "github.com/microstax/stax/pkg/generated/informers/externalversions/stax/v1alpha1"
	"github.com/microstax/stax/pkg/identity"
)

// FeedRevocations keeps revoker in step with the stored TokenRevocations, so
// a revocation made through any replica, or before a restart, refuses the
// token here too. Deleting a revocation does not bring a token back: the
// revoker forgets it only when the token would have expired.
func FeedRevocations(informer staxinformers.TokenRevocationInformer, revoker identity.Revoker) error {
	revoke := func(obj interface{}) {
		r, ok := obj.(*staxv1.TokenRevocation)
		if !ok {
			return
		}
		if err := revoker.Revoke(r.Spec.TokenID, r.Spec.ExpirationTime.Time); err != nil {
			klog.ErrorS(err, "Revoking a token", "revocation", klog.KObj(r))
		}
	}
	_, err := informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    revoke,
		UpdateFunc: func(_, obj interface{}) { revoke(obj) },
	})
	return err
}
