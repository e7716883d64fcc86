// Package federatedtokenrequest serves FederatedTokenRequest: mint a
// short-lived hybrid token for another cluster. Minted tokens are returned
// once and never stored.
package federatedtokenrequest

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/identity"
)

// Issuer signs tokens.
type Issuer interface {
	Issue(identity.Claims) (string, error)
}

// REST mints federated tokens with an Issuer.
type REST struct {
	issuer Issuer
	now    func() time.Time
}

var (
	_ rest.Creater              = &REST{}
	_ rest.Scoper               = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

// NewREST returns the FederatedTokenRequest endpoint.
func NewREST(issuer Issuer) *REST { return &REST{issuer: issuer, now: time.Now} }

func (r *REST) New() runtime.Object     { return &stax.FederatedTokenRequest{} }
func (r *REST) Destroy()                {}
func (r *REST) NamespaceScoped() bool   { return true }
func (r *REST) GetSingularName() string { return "federatedtokenrequest" }

// Create mints a token for the caller, scoped to the request's namespace
// (the organization), naming the caller as the actor (RFC 8693).
func (r *REST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	req := obj.(*stax.FederatedTokenRequest)
	org, ok := genericapirequest.NamespaceFrom(ctx)
	if !ok || org == "" {
		return nil, apierrors.NewBadRequest("a federated token request needs a namespace: the organization")
	}
	caller, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewUnauthorized("no user")
	}
	if errs := validation.ValidateFederatedTokenRequest(req); len(errs) > 0 {
		return nil, apierrors.NewInvalid(stax.Kind("FederatedTokenRequest"), req.Name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, obj.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	now := r.now()
	exp := now.Add(time.Duration(*req.Spec.ExpirationSeconds) * time.Second)
	chain, exp, err := descend(caller, org, now, exp)
	if err != nil {
		return nil, apierrors.NewForbidden(stax.Resource("federatedtokenrequests"), req.Name, err)
	}
	// After descend, so that a dry run is refused where the request would be.
	if dryRun := options != nil && len(options.DryRun) > 0; dryRun {
		return req, nil
	}
	token, err := r.issuer.Issue(identity.Claims{
		Subject:   caller.GetName(),
		Audience:  []string{req.Spec.Audience},
		IssuedAt:  now,
		ExpiresAt: exp,
		Org:       org,
		Actor:     &identity.Actor{Subject: caller.GetName(), Actor: auth.ActorOf(caller)},
		Chain:     chain,
	})
	if errors.Is(err, identity.ErrTokenTooLarge) {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	out := req.DeepCopy()
	out.Namespace = org
	out.CreationTimestamp = metav1.NewTime(now)
	out.Status = stax.FederatedTokenRequestStatus{Token: token, ExpirationTimestamp: metav1.NewTime(exp)}
	return out, nil
}

// descend places a token minted for caller under the token the caller
// authenticated with, if any: the child carries its ancestors' jtis (so
// revoking one revokes it), stays within the delegation depth limit and
// never expires after its parent. A caller without one of our tokens (a
// client certificate) mints a root token.
func descend(caller user.Info, org string, now, exp time.Time) ([]string, time.Time, error) {
	parent, err := auth.ParentTokenOf(caller)
	if err != nil || parent == nil {
		return nil, exp, err
	}
	if parent.Org != org {
		return nil, exp, fmt.Errorf("a token of organization %q mints only in its own organization", parent.Org)
	}
	chain, err := identity.ChildChain(parent.Chain, parent.ID)
	if err != nil {
		return nil, exp, err
	}
	if parent.ExpiresAt.Before(exp) {
		exp = parent.ExpiresAt
	}
	if !exp.After(now) {
		return nil, exp, errors.New("the calling token has expired")
	}
	return chain, exp, nil
}
