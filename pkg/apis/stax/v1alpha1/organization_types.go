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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the organization's settings.
	Spec OrganizationSpec `json:"spec" protobuf:"bytes,2,opt,name=spec"`
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
	DisplayName string `json:"displayName,omitempty" protobuf:"bytes,1,opt,name=displayName"`
	// Tier is standard (the default) or enterprise.
	// +optional
	Tier OrganizationTier `json:"tier,omitempty" protobuf:"bytes,2,opt,name=tier,casttype=OrganizationTier"`
	// RequestsPerMinute is the control-plane request quota of an
	// enterprise organization; the standard tier is fixed at 100.
	// +optional
	RequestsPerMinute *int32 `json:"requestsPerMinute,omitempty" protobuf:"varint,3,opt,name=requestsPerMinute"`
	// Quota caps what the organization's environments may ask for, in
	// total; unset, or an unset field, is unlimited. Only platform admins
	// set it: a change by a token of the organization is refused (403).
	// +optional
	Quota *OrganizationQuota `json:"quota,omitempty" protobuf:"bytes,4,opt,name=quota"`
	// Pricing is the price sheet organizations/usage prices with; unset
	// takes the defaults. Admins of the organization may change it.
	// +optional
	Pricing *PriceSheet `json:"pricing,omitempty" protobuf:"bytes,5,opt,name=pricing"`
	// RecordRetention is how long EnvironmentRecords are kept after their
	// environment's deletion; unset keeps them 400 days. Admins of the
	// organization may change it.
	// +optional
	RecordRetention *metav1.Duration `json:"recordRetention,omitempty" protobuf:"bytes,6,opt,name=recordRetention"`
	// DriftPolicy says what happens when an environment's live objects
	// drift from its plan; written through organizations/driftpolicy only.
	// +optional
	DriftPolicy *DriftPolicy `json:"driftPolicy,omitempty" protobuf:"bytes,7,opt,name=driftPolicy"`
}

// OrganizationQuota is the total an organization's environments may ask for.
// Every stored Environment counts, stopped or not. A create or update that
// would take a total past its quota is refused with 403 "exceeded quota".
type OrganizationQuota struct {
	// Environments is how many Environments the organization may have.
	// +optional
	Environments *int32 `json:"environments,omitempty" protobuf:"varint,1,opt,name=environments"`
	// Replicas is the total of every service's replicas, over all the
	// organization's Environments.
	// +optional
	Replicas *int32 `json:"replicas,omitempty" protobuf:"varint,2,opt,name=replicas"`
	// CPU is the total of every replica's CPU request (replicas times
	// resources.requests.cpu).
	// +optional
	CPU *resource.Quantity `json:"cpu,omitempty" protobuf:"bytes,3,opt,name=cpu"`
	// Memory is the total of every replica's memory request.
	// +optional
	Memory *resource.Quantity `json:"memory,omitempty" protobuf:"bytes,4,opt,name=memory"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OrganizationList is a list of Organizations.
type OrganizationList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []Organization `json:"items" protobuf:"bytes,2,rep,name=items"`
}
