package gateway

import (
	"context"
	"time"

	"k8s.io/client-go/tools/cache"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
	listers "github.com/microstax/stax/pkg/generated/listers/stax/v1alpha1"
)

// tiers knows each organization's request quota from an informer on
// Organizations (the gateway's own admin client), so a tier change applies
// without a restart.
type tiers struct {
	lister listers.OrganizationLister
	synced cache.InformerSynced
}

func newTiers(ctx context.Context, admin versioned.Interface) *tiers {
	factory := externalversions.NewSharedInformerFactory(admin, 10*time.Minute)
	informer := factory.Stax().V1alpha1().Organizations()
	t := &tiers{lister: informer.Lister(), synced: informer.Informer().HasSynced}
	factory.Start(ctx.Done())
	return t
}

// waitSynced blocks until the informer listed every Organization once.
func (t *tiers) waitSynced(ctx context.Context) bool {
	return cache.WaitForCacheSync(ctx.Done(), t.synced)
}

// requestsPerMinute is org's quota (stax.RequestsPerMinute), the standard
// tier's for an organization not known yet.
func (t *tiers) requestsPerMinute(org string) int {
	o, err := t.lister.Get(org)
	if err != nil {
		return int(stax.RequestsPerMinute("", nil))
	}
	return int(stax.RequestsPerMinute(stax.OrganizationTier(o.Spec.Tier), o.Spec.RequestsPerMinute))
}
