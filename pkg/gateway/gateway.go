package gateway

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// Config is what a gateway needs.
type Config struct {
	// Upstream locates stax-apiserver and its CA. Its credentials are not
	// used for callers' requests: each carries the caller's own token.
	Upstream *rest.Config
	// Admin reads Organizations for their request quotas.
	Admin versioned.Interface
	// UnauthenticatedRequestsPerMinute limits, per client address, requests
	// without a token that verified. Default 60.
	UnauthenticatedRequestsPerMinute int
	// CORSAllowedOrigins are regular expressions of the origins whose
	// browser pages may call the API, as kube-apiserver's
	// --cors-allowed-origins; none (the default) allows no other origin.
	CORSAllowedOrigins []string
}

// Gateway serves the /v1 REST API.
type Gateway struct {
	up          *upstream
	verifier    *verifier
	tiers       *tiers
	orgLimits   *limiter
	addrLimits  *limiter
	unauthLimit int
	mux         *http.ServeMux
	handler     http.Handler
}

// New returns a gateway; ctx ends its Organization informer.
func New(ctx context.Context, c Config) (*Gateway, error) {
	anon := rest.AnonymousClientConfig(c.Upstream)
	anon.Timeout = 0 // streams last as long as their client
	client, err := rest.HTTPClientFor(anon)
	if err != nil {
		return nil, err
	}
	up := &upstream{base: anon.Host, client: client}
	g := &Gateway{
		up:          up,
		verifier:    newVerifier(up),
		tiers:       newTiers(ctx, c.Admin),
		orgLimits:   newLimiter(),
		addrLimits:  newLimiter(),
		unauthLimit: c.UnauthenticatedRequestsPerMinute,
		mux:         http.NewServeMux(),
	}
	if g.unauthLimit <= 0 {
		g.unauthLimit = 60
	}
	for _, rt := range Routes {
		g.mux.Handle(rt.pattern(), g.serveRoute(rt))
	}
	g.mux.HandleFunc("GET /v1/openapi.json", serveOpenAPI)
	g.mux.Handle("GET /v1/docs/", explorerHandler())
	g.mux.Handle("GET /v1/docs", http.RedirectHandler("/v1/docs/", http.StatusMovedPermanently))
	if g.handler, err = withCORS(g.mux, c.CORSAllowedOrigins); err != nil {
		return nil, err
	}
	g.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeProbe(w, true) })
	// Ready once the organizations' quotas are known, as WaitForOrganizations.
	g.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { writeProbe(w, g.tiers.synced()) })
	g.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		req := &request{w: w, r: r, id: newRequestID()}
		if allowed := allowedMethods(r.URL.Path); len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			req.writeError(apierrors.NewMethodNotSupported(routeResource, r.Method))
			return
		}
		req.writeError(apierrors.NewNotFound(routeResource, r.Method+" "+r.URL.Path))
	})
	return g, nil
}

func writeProbe(w http.ResponseWriter, ok bool) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// allowedMethods are the methods of the routes whose path matches path: a
// request that reaches the catch-all with one of them used a wrong method.
func allowedMethods(path string) []string {
	var out []string
	for _, rt := range Routes {
		m := strings.Fields(rt.pattern())[0]
		if pathMatches(rt.Path, path) && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// pathMatches reports whether path fits pattern, where {name} stands for
// one non-empty segment, as in the ServeMux patterns of the routes.
func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if xs[i] == "" {
				return false
			}
		} else if ps[i] != xs[i] {
			return false
		}
	}
	return true
}

// WaitForOrganizations blocks until the tiers of all organizations are
// known, so the first requests get their organization's quota.
func (g *Gateway) WaitForOrganizations(ctx context.Context) bool { return g.tiers.waitSynced(ctx) }

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.handler.ServeHTTP(w, r) }

// withCORS answers browsers of the allowed origins with k8s.io/apiserver's
// CORS filter: preflights, and the headers a page may send and read.
func withCORS(h http.Handler, origins []string) (http.Handler, error) {
	for _, o := range origins {
		if _, err := regexp.Compile(o); err != nil {
			return nil, fmt.Errorf("CORS allowed origin %q: %w", o, err)
		}
	}
	return genericfilters.WithCORS(h, origins,
		[]string{"GET", "POST", "PATCH", "DELETE", "OPTIONS"},
		[]string{"Authorization", "Content-Type", OrganizationHeader},
		[]string{"Location", "X-Request-Id", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"},
		"false"), nil
}

func (g *Gateway) serveRoute(rt *Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		start := time.Now()
		r := &request{w: w, r: hr, id: newRequestID()}
		w.Header().Set("X-Request-Id", r.id)
		if err := g.admit(r); err != nil {
			r.writeError(err)
		} else if err := rt.serve(g, r); err != nil {
			r.writeError(err)
		}
		klog.InfoS("Request", "requestId", r.id, "method", hr.Method, "path", hr.URL.Path, "organization", r.org,
			"status", r.status, "duration", time.Since(start))
	})
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
	vd, err := g.verifier.verify(r.r.Context(), r.token, r.org, r.id)
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
