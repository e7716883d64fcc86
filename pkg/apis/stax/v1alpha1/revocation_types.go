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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec names the token.
	Spec TokenRevocationSpec `json:"spec" protobuf:"bytes,2,opt,name=spec"`
}

// TokenRevocationSpec names a revoked token.
type TokenRevocationSpec struct {
	// TokenID is the token's jti claim.
	TokenID string `json:"tokenID" protobuf:"bytes,1,opt,name=tokenID"`
	// ExpirationTime is when the token expires; the revocation is kept
	// until then.
	ExpirationTime metav1.Time `json:"expirationTime" protobuf:"bytes,2,opt,name=expirationTime"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TokenRevocationList is a list of TokenRevocations.
type TokenRevocationList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []TokenRevocation `json:"items" protobuf:"bytes,2,rep,name=items"`
}
