package environment

import (
	"context"
	"time"

	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

// refreshStubCredentials has a runtime whose stub credentials outlive
// their processes (kubernetes) mint again those past half their lifetime,
// and says when the next is due. Each sync of a running environment asks,
// and the sync comes back by then (observation.sooner). A failure is
// logged, not the sync's: the credential still has half its lifetime, and
// the next sync, a poll away, tries again.
func (c *Controller) refreshStubCredentials(ctx context.Context, env *staxv1.Environment, plan runtime.Plan) time.Time {
	rf, ok := c.runtime.(runtime.StubCredentialRefresher)
	if !ok || !hasStub(plan) {
		return time.Time{}
	}
	next, err := rf.RefreshStubCredentials(ctx, plan)
	if err != nil {
		klog.ErrorS(err, "Refreshing the stub credentials", "environment", klog.KObj(env))
	}
	return next
}

// sooner is poll, or less when a stub credential is due before it (at
// least minStubRefreshPoll, so a clock behind the issuer's never spins).
func (o observation) sooner(poll time.Duration) time.Duration {
	if o.stubsDue.IsZero() {
		return poll
	}
	return min(poll, max(o.stubsDue.Sub(o.now), minStubRefreshPoll))
}

const minStubRefreshPoll = time.Second

func hasStub(plan runtime.Plan) bool {
	for _, s := range plan.Services {
		if s.Stub != nil {
			return true
		}
	}
	return false
}
