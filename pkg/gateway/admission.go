package gateway

// Admission of a request: its credentials, the apiserver's verdict on its
// token, and the quotas it counts against.

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/microstax/stax/pkg/identity"
	"github.com/microstax/stax/pkg/ratelimit"
)

// OrganizationHeader names the caller's organization (= namespace).
const OrganizationHeader = "X-Organization-ID"

// wsTokenProtocolPrefix carries a bearer token in Sec-WebSocket-Protocol,
// base64url-encoded, as Kubernetes does, since browsers cannot set headers
// on a WebSocket.
const wsTokenProtocolPrefix = "base64url.bearer.authorization.k8s.io."

// credentials reads the token and organization and refuses, before
// anything is called, a request that lacks them (401, 400) or whose token
// names another organization (403). The token is only read here: the
// apiserver verifies it.
func (r *request) credentials() error {
	r.token = bearerToken(r.r)
	if r.token == "" {
		return apierrors.NewUnauthorized("an Authorization: Bearer <token> header is required")
	}
	r.org = r.r.Header.Get(OrganizationHeader)
	if r.org == "" && isWebSocket(r.r) {
		r.org = r.r.URL.Query().Get("organization")
	}
	if r.org == "" {
		return apierrors.NewBadRequest("the " + OrganizationHeader + " header is required")
	}
	// Unverified, only to refuse a mismatch early: the apiserver verifies.
	claims, ok := identity.PeekClaims(r.token)
	if !ok || claims.Org == "" {
		return apierrors.NewUnauthorized("the bearer token is not a MicroStax token")
	}
	if claims.Org != r.org {
		return apierrors.NewForbidden(orgResource, r.org, errOtherOrganization(claims.Org))
	}
	return nil
}

type errOtherOrganization string

func (e errOtherOrganization) Error() string {
	return "the token belongs to organization " + strconv.Quote(string(e))
}

func bearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
		return ""
	}
	if !isWebSocket(r) {
		return ""
	}
	for _, p := range websocketProtocols(r) {
		if enc, ok := strings.CutPrefix(p, wsTokenProtocolPrefix); ok {
			if t, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(enc, "=")); err == nil {
				return string(t)
			}
		}
	}
	return ""
}

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func websocketProtocols(r *http.Request) []string {
	var out []string
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// admit checks the caller's credentials and has the apiserver verify the
// token (remembered per token). The organization's request quota is the
// apiserver's to count: each call the gateway makes for this request counts
// there, and its RateLimit headers (or its 429) reach the caller. Requests
// refused before their token verified count here, against the client's
// address; a token that verifies is never refused for its address.
func (g *Gateway) admit(r *request) error {
	addr := g.proxies.clientAddress(r.r)
	if err := r.credentials(); err != nil {
		return g.limitAddress(r, addr, err)
	}
	vd, err := g.verify(r, addr)
	if err != nil {
		if apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err) {
			return g.limitAddress(r, addr, err)
		}
		return err
	}
	r.signatureVerified = vd.bothSignatures
	return nil
}

// verify returns the verdict on the caller's token. An address over its
// quota of refused requests still has its tokens verified, so that junk
// sent from an address (or through the same proxy) locks no one out, but
// one review at a time across all such addresses, so that the junk cannot
// load the apiserver.
func (g *Gateway) verify(r *request, addr string) (verdict, error) {
	if _, known := g.verifier.cached(r.token); !known && !g.addrLimits.Peek(addr, g.unauthLimit).Allowed {
		select {
		case g.probation <- struct{}{}:
			defer func() { <-g.probation }()
		case <-r.r.Context().Done():
			return verdict{}, r.r.Context().Err()
		}
	}
	return g.verifier.verify(r.ctx(), r.token, r.org)
}

// limitAddress counts a refused request against addr and returns why it was
// refused, or 429 once the address used its quota.
func (g *Gateway) limitAddress(r *request, addr string, why error) error {
	q := g.addrLimits.Take(addr, g.unauthLimit)
	ratelimit.SetHeaders(r.w.Header(), q)
	if !q.Allowed {
		return ratelimit.TooMany(q)
	}
	return why
}
