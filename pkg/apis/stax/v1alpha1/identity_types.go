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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec holds the token to verify.
	Spec IdentityReviewSpec `json:"spec" protobuf:"bytes,2,opt,name=spec"`
	// Status is the verdict, filled by the server.
	// +optional
	Status IdentityReviewStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// IdentityReviewSpec is the token and the organization it must belong to.
type IdentityReviewSpec struct {
	// Token is the bearer token to verify.
	Token string `json:"token" protobuf:"bytes,1,opt,name=token"`
	// Organization, if set, must be the token's organization.
	// +optional
	Organization string `json:"organization,omitempty" protobuf:"bytes,2,opt,name=organization"`
}

// IdentityReviewStatus is the result of verifying a token.
type IdentityReviewStatus struct {
	// Authenticated is true when the token is valid (and of the organization
	// asked for).
	Authenticated bool `json:"authenticated" protobuf:"varint,1,opt,name=authenticated"`
	// User is who the token names.
	// +optional
	User IdentityUser `json:"user,omitempty" protobuf:"bytes,2,opt,name=user"`
	// Organization is the token's organization.
	// +optional
	Organization string `json:"organization,omitempty" protobuf:"bytes,3,opt,name=organization"`
	// Audiences the token is valid for.
	// +optional
	// +listType=atomic
	Audiences []string `json:"audiences,omitempty" protobuf:"bytes,4,rep,name=audiences"`
	// ExpirationTimestamp is when the token expires.
	// +optional
	ExpirationTimestamp *metav1.Time `json:"expirationTimestamp,omitempty" protobuf:"bytes,5,opt,name=expirationTimestamp"`
	// Signatures says which signatures verified.
	// +optional
	Signatures SignatureVerification `json:"signatures,omitempty" protobuf:"bytes,6,opt,name=signatures"`
	// TokenID is the token's jti, the id a TokenRevocation names.
	// +optional
	TokenID string `json:"tokenID,omitempty" protobuf:"bytes,7,opt,name=tokenID"`
	// Error says why the token was refused, without details that would
	// help an attacker.
	// +optional
	Error string `json:"error,omitempty" protobuf:"bytes,8,opt,name=error"`
}

// IdentityUser is the user a token names.
type IdentityUser struct {
	// Username is the token's subject.
	Username string `json:"username" protobuf:"bytes,1,opt,name=username"`
	// Groups the user belongs to.
	// +optional
	// +listType=atomic
	Groups []string `json:"groups,omitempty" protobuf:"bytes,2,rep,name=groups"`
	// Actor is who acts on the user's behalf (RFC 8693 act claim).
	// +optional
	Actor string `json:"actor,omitempty" protobuf:"bytes,3,opt,name=actor"`
}

// SignatureVerification says which signatures of a token verified.
type SignatureVerification struct {
	// Classical is true when the ES256 signature verified.
	Classical bool `json:"classical" protobuf:"varint,1,opt,name=classical"`
	// PostQuantum is true when the ML-DSA-65 signature verified.
	PostQuantum bool `json:"postQuantum" protobuf:"varint,2,opt,name=postQuantum"`
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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the token asked for.
	Spec FederatedTokenRequestSpec `json:"spec" protobuf:"bytes,2,opt,name=spec"`
	// Status holds the minted token.
	// +optional
	Status FederatedTokenRequestStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// FederatedTokenRequestSpec is the token asked for.
type FederatedTokenRequestSpec struct {
	// Audience is the one cluster or service the token is for.
	Audience string `json:"audience" protobuf:"bytes,1,opt,name=audience"`
	// ExpirationSeconds is the token's lifetime: at most 600, default 300.
	// +optional
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty" protobuf:"varint,2,opt,name=expirationSeconds"`
}

// FederatedTokenRequestStatus holds the minted token.
type FederatedTokenRequestStatus struct {
	// Token is the hybrid-signed bearer token.
	Token string `json:"token" protobuf:"bytes,1,opt,name=token"`
	// ExpirationTimestamp is when the token expires.
	ExpirationTimestamp metav1.Time `json:"expirationTimestamp" protobuf:"bytes,2,opt,name=expirationTimestamp"`
}
