// Package identityreview serves IdentityReview: verify a hybrid token and
// say who it names. Nothing is stored.
package identityreview

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/identity"
)

// Verifier checks a token.
type Verifier interface {
	Verify(token string) (*identity.Result, error)
}

// REST answers IdentityReviews with a Verifier.
type REST struct {
	verifier Verifier
}

var (
	_ rest.Creater              = &REST{}
	_ rest.Scoper               = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// NewREST returns the IdentityReview endpoint.
func NewREST(v Verifier) *REST { return &REST{verifier: v} }

func (r *REST) New() runtime.Object     { return &stax.IdentityReview{} }
func (r *REST) Destroy()                {}
func (r *REST) NamespaceScoped() bool   { return false }
func (r *REST) GetSingularName() string { return "identityreview" }

// Create verifies spec.token. A bad token is an answer (authenticated
// false), not an error, as with TokenReview.
func (r *REST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	review := obj.(*stax.IdentityReview)
	if errs := validation.ValidateIdentityReview(review); len(errs) > 0 {
		return nil, apierrors.NewInvalid(stax.Kind("IdentityReview"), review.Name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, obj.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	out := &stax.IdentityReview{ObjectMeta: metav1.ObjectMeta{Name: review.Name, CreationTimestamp: metav1.Now()}, Spec: stax.IdentityReviewSpec{Organization: review.Spec.Organization}}
	res, err := r.verifier.Verify(review.Spec.Token)
	if err != nil {
		out.Status.Error = err.Error()
		return out, nil
	}
	if review.Spec.Organization != "" && res.Org != review.Spec.Organization {
		out.Status.Error = "token is not scoped to organization " + review.Spec.Organization
		return out, nil
	}
	exp := metav1.NewTime(res.ExpiresAt)
	out.Status = stax.IdentityReviewStatus{
		Authenticated:       true,
		User:                stax.IdentityUser{Username: res.Subject, Groups: res.Groups},
		Organization:        res.Org,
		Audiences:           res.Audience,
		ExpirationTimestamp: &exp,
		Signatures:          stax.SignatureVerification{Classical: res.ClassicalVerified, PostQuantum: res.PostQuantumVerified},
		TokenID:             res.ID,
	}
	if res.Actor != nil {
		out.Status.User.Actor = res.Actor.Subject
	}
	return out, nil
}
