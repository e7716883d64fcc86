package apiserver

import (
	"github.com/microstax/stax/pkg/apis/stax"
	listers "github.com/microstax/stax/pkg/generated/listers/stax/v1alpha1"
)

// What the request path needs of Organizations, read from the informer so
// that it costs no read of storage.

// hasQuota says whether an organization sets spec.quota, when the informer
// has seen the organization (pkg/quota checks against storage either way).
func hasQuota(orgs listers.OrganizationLister) func(org string) (limited, known bool) {
	return func(org string) (bool, bool) {
		o, err := orgs.Get(org)
		if err != nil {
			return false, false
		}
		return o.Spec.Quota != nil, true
	}
}

// requestsPerMinute is each organization's request quota
// (stax.RequestsPerMinute) from the Organizations informer, so a tier
// change applies at the next request; an organization not known (yet) has
// the standard tier's.
func requestsPerMinute(orgs listers.OrganizationLister) func(org string) int {
	return func(org string) int {
		o, err := orgs.Get(org)
		if err != nil {
			return int(stax.RequestsPerMinute("", nil))
		}
		return int(stax.RequestsPerMinute(stax.OrganizationTier(o.Spec.Tier), o.Spec.RequestsPerMinute))
	}
}
