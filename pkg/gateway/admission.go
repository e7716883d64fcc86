package gateway

// Admission of a request: its credentials, the apiserver's verdict on its
// token, and the quotas it counts against.

import (
	"encoding/base64"
	"net"
	"net/http"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/microstax/stax/pkg/identity"
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

// clientAddress keys the limit of unauthenticated requests.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// admit checks the caller's credentials, has the apiserver verify the token
// (remembered per token) and counts the request against the organization's
// quota. Requests refused before their token verified count against the
// client's address instead.
func (g *Gateway) admit(r *request) error {
	addr := clientAddress(r.r)
	if err := r.credentials(); err != nil {
		return g.limitAddress(r, addr, err)
	}
	if _, known := g.verifier.cached(r.token); !known {
		if q := g.addrLimits.peek(addr, g.unauthLimit); !q.allowed {
			setRateHeaders(r.w, q)
			return tooMany(q)
		}
	}
	vd, err := g.verifier.verify(r.r.Context(), r.token, r.org, r.requestID)
	if err != nil {
		if apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err) {
			return g.limitAddress(r, addr, err)
		}
		return err
	}
	r.signatureVerified = vd.bothSignatures
	q := g.orgLimits.take(r.org, g.tiers.requestsPerMinute(r.org))
	setRateHeaders(r.w, q)
	if !q.allowed {
		return tooMany(q)
	}
	return nil
}

// limitAddress counts a refused request against addr and returns why it was
// refused, or 429 once the address used its quota.
func (g *Gateway) limitAddress(r *request, addr string, why error) error {
	q := g.addrLimits.take(addr, g.unauthLimit)
	setRateHeaders(r.w, q)
	if !q.allowed {
		return tooMany(q)
	}
	return why
}

func setRateHeaders(w http.ResponseWriter, q quota) {
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(q.limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(q.remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(q.resetSeconds()))
}

func tooMany(q quota) error {
	return apierrors.NewTooManyRequests("rate limit of "+strconv.Itoa(q.limit)+" requests a minute reached", q.resetSeconds())
}
