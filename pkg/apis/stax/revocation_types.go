package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TokenRevocation revokes one hybrid-signed token by its id (jti) until the
// token expires. Revocations are stored, so they survive restarts and reach
// every replica of the server.
type TokenRevocation struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// Spec names the token.
	Spec TokenRevocationSpec
}

// TokenRevocationSpec names a revoked token.
type TokenRevocationSpec struct {
	// TokenID is the token's jti claim.
	TokenID string
	// ExpirationTime is when the token expires; the revocation is kept
	// until then.
	ExpirationTime metav1.Time
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TokenRevocationList is a list of TokenRevocations.
type TokenRevocationList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []TokenRevocation
}
