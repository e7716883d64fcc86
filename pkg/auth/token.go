package auth

import (
	"context"
	"errors"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/identity"
)

// errInvalidToken is all a client learns about a refused token.
var errInvalidToken = errors.New("invalid bearer token")

// Verifier checks a hybrid token.
type Verifier interface {
	Verify(token string) (*identity.Result, error)
}

// TokenAuthenticator authenticates hybrid-signed MicroStax tokens.
type TokenAuthenticator struct {
	verifier Verifier
	issuer   string
	// ownsAll makes every bearer token ours: a standalone server has no
	// other token authenticator, so a token we refuse is a 401, not an
	// anonymous request.
	ownsAll bool
}

// NewTokenAuthenticator returns an authenticator for tokens of issuer. With
// ownsAll false it abstains on tokens that name another issuer, so that
// other token authenticators (delegated TokenReview) may take them.
func NewTokenAuthenticator(v Verifier, issuer string, ownsAll bool) *TokenAuthenticator {
	return &TokenAuthenticator{verifier: v, issuer: issuer, ownsAll: ownsAll}
}

var _ authenticator.Token = &TokenAuthenticator{}

// AuthenticateToken verifies token. A token that is ours but invalid is an
// error, which makes the request fail with 401.
func (a *TokenAuthenticator) AuthenticateToken(ctx context.Context, token string) (*authenticator.Response, bool, error) {
	if !a.ownsAll {
		// Unverified, only to leave other issuers' tokens to their verifiers.
		if claims, _ := identity.PeekClaims(token); claims.Issuer != a.issuer {
			return nil, false, nil
		}
	}
	res, err := a.verifier.Verify(token)
	if err != nil {
		// The client learns only that the token is invalid; operators, why.
		klog.V(4).InfoS("Bearer token refused", "reason", identity.Reason(err))
		return nil, false, errInvalidToken
	}
	return &authenticator.Response{Audiences: res.Audience, User: UserFor(res)}, true, nil
}
