package gateway

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

// request is one request being served.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	id     string
	status int

	token             string
	org               string
	signatureVerified bool
}

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

func itoa(n int) string { return strconv.Itoa(n) }
