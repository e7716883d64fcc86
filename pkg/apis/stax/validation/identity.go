package validation

import (
	"fmt"

	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// MaxFederatedTokenSeconds is the longest lifetime of a federated token.
const MaxFederatedTokenSeconds = 600

// ValidateIdentityReview checks a review request.
func ValidateIdentityReview(r *stax.IdentityReview) field.ErrorList {
	var allErrs field.ErrorList
	if r.Spec.Token == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("spec", "token"), ""))
	}
	if org := r.Spec.Organization; org != "" {
		for _, msg := range utilvalidation.IsDNS1123Label(org) {
			allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "organization"), org, msg))
		}
	}
	return allErrs
}

// ValidateFederatedTokenRequest checks a request for a federated token: one
// audience, ten minutes at most.
func ValidateFederatedTokenRequest(r *stax.FederatedTokenRequest) field.ErrorList {
	var allErrs field.ErrorList
	specPath := field.NewPath("spec")
	if r.Spec.Audience == "" {
		allErrs = append(allErrs, field.Required(specPath.Child("audience"), "a federated token is for exactly one audience"))
	}
	if s := r.Spec.ExpirationSeconds; s != nil && (*s < 60 || *s > MaxFederatedTokenSeconds) {
		allErrs = append(allErrs, field.Invalid(specPath.Child("expirationSeconds"), *s,
			fmt.Sprintf("must be between 60 and %d", MaxFederatedTokenSeconds)))
	}
	return allErrs
}
