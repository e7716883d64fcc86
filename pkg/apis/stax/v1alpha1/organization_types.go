package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Organization is a tenant of MicroStax. Its name is the organization id,
// and its environments live in the namespace of the same name.
type Organization struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the organization's settings.
	Spec OrganizationSpec `json:"spec"`
}

// OrganizationTier is the plan of an organization.
// +enum
type OrganizationTier string

const (
	// TierStandard organizations get 100 API requests a minute.
	TierStandard OrganizationTier = "standard"
	// TierEnterprise organizations get their own request quota.
	TierEnterprise OrganizationTier = "enterprise"
)

// OrganizationSpec is what an organization is.
type OrganizationSpec struct {
	// DisplayName is the human-friendly name.
	// +optional
	DisplayName string `json:"displayName,omitempty"`
	// Tier is standard (the default) or enterprise.
	// +optional
	Tier OrganizationTier `json:"tier,omitempty"`
	// RequestsPerMinute is the control-plane request quota of an
	// enterprise organization; the standard tier is fixed at 100.
	// +optional
	RequestsPerMinute *int32 `json:"requestsPerMinute,omitempty"`
	// Quota caps what the organization's environments may ask for, in
	// total; unset, or an unset field, is unlimited. Only platform admins
	// set it: a change by a token of the organization is refused (403).
	// +optional
	Quota *OrganizationQuota `json:"quota,omitempty"`
	// Pricing is the price sheet organizations/usage prices with; unset
	// takes the defaults. Admins of the organization may change it.
	// +optional
	Pricing *PriceSheet `json:"pricing,omitempty"`
	// RecordRetention is how long EnvironmentRecords are kept after their
	// environment's deletion; unset keeps them 400 days. Admins of the
	// organization may change it.
	// +optional
	RecordRetention *metav1.Duration `json:"recordRetention,omitempty"`
	// DriftPolicy says what happens when an environment's live objects
	// drift from its plan; written through organizations/driftpolicy only.
	// +optional
	DriftPolicy *DriftPolicy `json:"driftPolicy,omitempty"`
}

// OrganizationQuota is the total an organization's environments may ask for.
// Every stored Environment counts, stopped or not. A create or update that
// would take a total past its quota is refused with 403 "exceeded quota".
type OrganizationQuota struct {
	// Environments is how many Environments the organization may have.
	// +optional
	Environments *int32 `json:"environments,omitempty"`
	// Replicas is the total of every service's replicas, over all the
	// organization's Environments.
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`
	// CPU is the total of every replica's CPU request (replicas times
	// resources.requests.cpu).
	// +optional
	CPU *resource.Quantity `json:"cpu,omitempty"`
	// Memory is the total of every replica's memory request.
	// +optional
	Memory *resource.Quantity `json:"memory,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OrganizationList is a list of Organizations.
type OrganizationList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Organization `json:"items"`
}
