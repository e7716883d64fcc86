package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// IdentityReview verifies a hybrid-signed MicroStax token and reports who it
// names and which of its signatures verified. Like a TokenReview, it is only
// created, answered and never stored.
type IdentityReview struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// Spec holds the token to verify.
	Spec IdentityReviewSpec
	// Status is the verdict, filled by the server.
	Status IdentityReviewStatus
}

// IdentityReviewSpec is the token and the organization it must belong to.
type IdentityReviewSpec struct {
	// Token is the bearer token to verify.
	Token string
	// Organization, if set, must be the token's organization.
	Organization string
}

// IdentityReviewStatus is the result of verifying a token.
type IdentityReviewStatus struct {
	// Authenticated is true when the token is valid (and of the organization
	// asked for).
	Authenticated bool
	// User is who the token names.
	User IdentityUser
	// Organization is the token's organization.
	Organization string
	// Audiences the token is valid for.
	Audiences []string
	// ExpirationTimestamp is when the token expires.
	ExpirationTimestamp *metav1.Time
	// Signatures says which signatures verified.
	Signatures SignatureVerification
	// TokenID is the token's jti, the id a TokenRevocation names.
	TokenID string
	// Error says why the token was refused, without details that would
	// help an attacker.
	Error string
}

// IdentityUser is the user a token names.
type IdentityUser struct {
	// Username is the token's subject.
	Username string
	// Groups the user belongs to.
	Groups []string
	// Actor is who acts on the user's behalf (RFC 8693 act claim).
	Actor string
}

// SignatureVerification says which signatures of a token verified.
type SignatureVerification struct {
	// Classical is true when the ES256 signature verified.
	Classical bool
	// PostQuantum is true when the ML-DSA-65 signature verified.
	PostQuantum bool
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FederatedTokenRequest mints a short-lived hybrid-signed token with which
// the caller reaches another cluster on behalf of the organization (the
// request's namespace). It is only created and never stored; the token is
// returned once.
type FederatedTokenRequest struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// Spec is the token asked for.
	Spec FederatedTokenRequestSpec
	// Status holds the minted token.
	Status FederatedTokenRequestStatus
}

// FederatedTokenRequestSpec is the token asked for.
type FederatedTokenRequestSpec struct {
	// Audience is the one cluster or service the token is for.
	Audience string
	// ExpirationSeconds is the token's lifetime: at most 600, default 300.
	ExpirationSeconds *int64
}

// FederatedTokenRequestStatus holds the minted token.
type FederatedTokenRequestStatus struct {
	// Token is the hybrid-signed bearer token.
	Token string
	// ExpirationTimestamp is when the token expires.
	ExpirationTimestamp metav1.Time
}
