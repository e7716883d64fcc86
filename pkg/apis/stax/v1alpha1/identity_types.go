package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:nonNamespaced
// +genclient:onlyVerbs=create
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// IdentityReview verifies a hybrid-signed MicroStax token and reports who it
// names and which of its signatures verified. Like a TokenReview, it is only
// created, answered and never stored.
type IdentityReview struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the token to verify.
	Spec IdentityReviewSpec `json:"spec"`
	// Status is the verdict, filled by the server.
	// +optional
	Status IdentityReviewStatus `json:"status,omitempty"`
}

// IdentityReviewSpec is the token and the organization it must belong to.
type IdentityReviewSpec struct {
	// Token is the bearer token to verify.
	Token string `json:"token"`
	// Organization, if set, must be the token's organization.
	// +optional
	Organization string `json:"organization,omitempty"`
}

// IdentityReviewStatus is the result of verifying a token.
type IdentityReviewStatus struct {
	// Authenticated is true when the token is valid (and of the organization
	// asked for).
	Authenticated bool `json:"authenticated"`
	// User is who the token names.
	// +optional
	User IdentityUser `json:"user,omitempty"`
	// Organization is the token's organization.
	// +optional
	Organization string `json:"organization,omitempty"`
	// Audiences the token is valid for.
	// +optional
	// +listType=atomic
	Audiences []string `json:"audiences,omitempty"`
	// ExpirationTimestamp is when the token expires.
	// +optional
	ExpirationTimestamp *metav1.Time `json:"expirationTimestamp,omitempty"`
	// Signatures says which signatures verified.
	// +optional
	Signatures SignatureVerification `json:"signatures,omitempty"`
	// TokenID is the token's jti, the id a TokenRevocation names.
	// +optional
	TokenID string `json:"tokenID,omitempty"`
	// Error says why the token was refused, without details that would
	// help an attacker.
	// +optional
	Error string `json:"error,omitempty"`
}

// IdentityUser is the user a token names.
type IdentityUser struct {
	// Username is the token's subject.
	Username string `json:"username"`
	// Groups the user belongs to.
	// +optional
	// +listType=atomic
	Groups []string `json:"groups,omitempty"`
	// Actor is who acts on the user's behalf (RFC 8693 act claim).
	// +optional
	Actor string `json:"actor,omitempty"`
}

// SignatureVerification says which signatures of a token verified.
type SignatureVerification struct {
	// Classical is true when the ES256 signature verified.
	Classical bool `json:"classical"`
	// PostQuantum is true when the ML-DSA-65 signature verified.
	PostQuantum bool `json:"postQuantum"`
}

// +genclient
// +genclient:onlyVerbs=create
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FederatedTokenRequest mints a short-lived hybrid-signed token with which
// the caller reaches another cluster on behalf of the organization (the
// request's namespace). It is only created and never stored; the token is
// returned once.
type FederatedTokenRequest struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the token asked for.
	Spec FederatedTokenRequestSpec `json:"spec"`
	// Status holds the minted token.
	// +optional
	Status FederatedTokenRequestStatus `json:"status,omitempty"`
}

// FederatedTokenRequestSpec is the token asked for.
type FederatedTokenRequestSpec struct {
	// Audience is the one cluster or service the token is for.
	Audience string `json:"audience"`
	// ExpirationSeconds is the token's lifetime: at most 600, default 300.
	// +optional
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty"`
}

// FederatedTokenRequestStatus holds the minted token.
type FederatedTokenRequestStatus struct {
	// Token is the hybrid-signed bearer token.
	Token string `json:"token"`
	// ExpirationTimestamp is when the token expires.
	ExpirationTimestamp metav1.Time `json:"expirationTimestamp"`
}
