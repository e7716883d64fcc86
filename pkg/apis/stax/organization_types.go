package stax

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Organization is a tenant of MicroStax. Its name is the organization id,
// and its environments live in the namespace of the same name.
type Organization struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// Spec is the organization's settings.
	Spec OrganizationSpec
}

// OrganizationTier is the plan of an organization.
type OrganizationTier string

const (
	// TierStandard organizations get 100 API requests a minute.
	TierStandard OrganizationTier = "standard"
	// TierEnterprise organizations get their own request quota.
	TierEnterprise OrganizationTier = "enterprise"
)

// StandardRequestsPerMinute is the request quota of the standard tier.
const StandardRequestsPerMinute = 100

// RequestsPerMinute is the one statement of an organization's request
// quota, for the server's table and the gateway's limiter alike: its own
// on the enterprise tier when it sets one, the standard tier's otherwise
// (also for an organization not known yet: pass "" and nil).
func RequestsPerMinute(tier OrganizationTier, own *int32) int32 {
	if tier == TierEnterprise && own != nil && *own > 0 {
		return *own
	}
	return StandardRequestsPerMinute
}

// OrganizationSpec is what an organization is.
type OrganizationSpec struct {
	// DisplayName is the human-friendly name.
	DisplayName string
	// Tier is standard (the default) or enterprise.
	Tier OrganizationTier
	// RequestsPerMinute is the control-plane request quota of an
	// enterprise organization; the standard tier is fixed at 100.
	RequestsPerMinute *int32
	// Quota caps what the organization's environments may ask for, in
	// total; nil, or a nil field, is unlimited. Set by platform admins only.
	Quota *OrganizationQuota
	// Pricing is the price sheet of usage; nil takes the defaults.
	Pricing *PriceSheet
	// RecordRetention is how long EnvironmentRecords are kept; nil: 400 days.
	RecordRetention *metav1.Duration
	// DriftPolicy is the organization's drift policy (driftpolicy_types.go).
	DriftPolicy *DriftPolicy
}

// OrganizationQuota is the total an organization's environments may ask for.
// Every stored Environment counts, stopped or not.
type OrganizationQuota struct {
	// Environments is how many Environments the organization may have.
	Environments *int32
	// Replicas is the total of every service's replicas.
	Replicas *int32
	// CPU is the total of every replica's CPU request.
	CPU *resource.Quantity
	// Memory is the total of every replica's memory request.
	Memory *resource.Quantity
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OrganizationList is a list of Organizations.
type OrganizationList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []Organization
}
