package v1alpha1

import (
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
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OrganizationList is a list of Organizations.
type OrganizationList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Organization `json:"items"`
}
