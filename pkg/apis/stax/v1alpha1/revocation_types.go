package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:onlyVerbs=create,get,list,watch,delete
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TokenRevocation revokes one hybrid-signed token by its id (jti) until the
// token expires. Revocations are stored, so they survive restarts and reach
// every replica of the server.
type TokenRevocation struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec names the token.
	Spec TokenRevocationSpec `json:"spec"`
}

// TokenRevocationSpec names a revoked token.
type TokenRevocationSpec struct {
	// TokenID is the token's jti claim.
	TokenID string `json:"tokenID"`
	// ExpirationTime is when the token expires; the revocation is kept
	// until then.
	ExpirationTime metav1.Time `json:"expirationTime"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TokenRevocationList is a list of TokenRevocations.
type TokenRevocationList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []TokenRevocation `json:"items"`
}
