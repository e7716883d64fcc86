package environment

import (
	"context"
	"time"

	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

// refreshCredentials has a runtime whose credentials outlive their
// processes (kubernetes: stub services', an overlay's shadow fronts') mint
// again those past half their lifetime, and says when the next is due.
// Each sync of a running environment asks, and the sync comes back by
// then (observation.sooner). A failure is logged, not the sync's: the
// credential still has half its lifetime, and the next sync, a poll away,
// tries again.
func (c *Controller) refreshCredentials(ctx context.Context, env *staxv1.Environment, plan runtime.Plan) time.Time {
	rf, ok := c.runtime.(runtime.CredentialRefresher)
	if !ok || !hasCredentials(plan) {
		return time.Time{}
	}
	next, err := rf.RefreshCredentials(ctx, plan)
	if err != nil {
		klog.ErrorS(err, "Refreshing the credentials", "environment", klog.KObj(env))
	}
	return next
}

// sooner is poll, or less when a credential is due before it (at least
// minCredentialRefreshPoll, so a clock behind the issuer's never spins).
func (o observation) sooner(poll time.Duration) time.Duration {
	if o.credentialsDue.IsZero() {
		return poll
	}
	return min(poll, max(o.credentialsDue.Sub(o.now), minCredentialRefreshPoll))
}

const minCredentialRefreshPoll = time.Second

// hasCredentials: the plan has a stub service or a shadow, whose fronts
// hold a credential of their own.
func hasCredentials(plan runtime.Plan) bool {
	for _, s := range plan.Services {
		if s.Stub != nil {
			return true
		}
	}
	return len(plan.ShadowedServices()) > 0
}
