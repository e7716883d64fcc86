package auth

import (
	"time"

	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	staxinformers "github.com/microstax/stax/pkg/generated/informers/externalversions/stax/v1alpha1"
	"github.com/microstax/stax/pkg/identity"
)

// byRevokedToken indexes revocations by "<namespace>/<jti>". A namespace has
// no "/", so the key is unambiguous whatever the jti holds.
const byRevokedToken = "stax.microstax.ai/revoked-token"

func revokedTokenKey(r *staxv1.TokenRevocation) string { return r.Namespace + "/" + r.Spec.TokenID }

// FeedRevocations keeps revoker in step with the stored TokenRevocations, so
// a revocation made through any replica, or before a restart, refuses the
// token here too. A revocation applies to the token of its namespace (the
// organization) with its jti, and only while it exists: when the last
// revocation of a token is deleted, the token is accepted again.
func FeedRevocations(informer staxinformers.TokenRevocationInformer, revoker identity.Revoker) error {
	inf := informer.Informer()
	if err := inf.AddIndexers(cache.Indexers{byRevokedToken: func(obj interface{}) ([]string, error) {
		r, ok := obj.(*staxv1.TokenRevocation)
		if !ok {
			return nil, nil
		}
		return []string{revokedTokenKey(r)}, nil
	}}); err != nil {
		return err
	}
	// Every event recomputes the token's entry from what is stored now
	// (the informer updates its store before it calls handlers), so one
	// token revoked twice stays revoked until both revocations are gone.
	apply := func(obj interface{}) {
		if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tombstone.Obj
		}
		r, ok := obj.(*staxv1.TokenRevocation)
		if !ok {
			return
		}
		org, jti := r.Namespace, r.Spec.TokenID
		stored, err := inf.GetIndexer().ByIndex(byRevokedToken, revokedTokenKey(r))
		if err != nil {
			klog.ErrorS(err, "Listing the revocations of a token", "revocation", klog.KObj(r))
			return
		}
		if len(stored) == 0 {
			err = revoker.Unrevoke(org, jti)
		} else {
			err = revoker.Revoke(org, jti, latestExpiration(stored))
		}
		if err != nil {
			klog.ErrorS(err, "Applying a token revocation", "revocation", klog.KObj(r))
		}
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    apply,
		UpdateFunc: func(_, obj interface{}) { apply(obj) },
		DeleteFunc: apply,
	})
	return err
}

func latestExpiration(revocations []interface{}) time.Time {
	var latest time.Time
	for _, obj := range revocations {
		if r, ok := obj.(*staxv1.TokenRevocation); ok && r.Spec.ExpirationTime.After(latest) {
			latest = r.Spec.ExpirationTime.Time
		}
	}
	return latest
}
