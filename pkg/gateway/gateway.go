package gateway

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/ratelimit"
)

// Config is what a gateway needs.
type Config struct {
	// Upstream locates stax-apiserver and its CA. Its credentials are not
	// used for callers' requests: each carries the caller's own token.
	Upstream *rest.Config
	// Admin asks the apiserver whether it is ready, for /readyz.
	Admin versioned.Interface
	// UnauthenticatedRequestsPerMinute limits, per client address, requests
	// without a token that verified. Default 60.
	UnauthenticatedRequestsPerMinute int
	// CORSAllowedOrigins are regular expressions of the origins whose
	// browser pages may call the API, as kube-apiserver's
	// --cors-allowed-origins; none (the default) allows no other origin.
	CORSAllowedOrigins []string
	// TrustedProxies are the addresses or CIDRs of reverse proxies whose
	// X-Forwarded-For names the client, for the limit of unauthenticated
	// requests; none (the default) keys that limit by the connection.
	TrustedProxies []string
}

// Gateway serves the /v1 REST API.
type Gateway struct {
	up          *upstream
	admin       versioned.Interface
	verifier    *verifier
	addrLimits  *ratelimit.Limiter
	unauthLimit int
	proxies     trustedProxies
	probation   chan struct{} // reviews of tokens from addresses over their limit
	mux         *http.ServeMux
	handler     http.Handler
}

// New returns a gateway.
func New(c Config) (*Gateway, error) {
	up, err := newUpstream(c.Upstream)
	if err != nil {
		return nil, err
	}
	proxies, err := parseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		up:          up,
		admin:       c.Admin,
		verifier:    newVerifier(up),
		addrLimits:  ratelimit.NewLimiter(),
		unauthLimit: c.UnauthenticatedRequestsPerMinute,
		proxies:     proxies,
		probation:   make(chan struct{}, 1),
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
	g.mux.Handle("GET /console/", consoleHandler())
	g.mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	if g.handler, err = withCORS(g.mux, c.CORSAllowedOrigins); err != nil {
		return nil, err
	}
	g.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeProbe(w, true) })
	// Ready while the apiserver is: every route calls it.
	g.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { writeProbe(w, g.apiserverReady(r.Context())) })
	g.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		req := &request{w: w, r: r, requestID: newRequestID()}
		defer observe(unmatchedRoute, req, time.Now())
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

// apiserverReady asks the apiserver's /readyz with the admin credentials.
func (g *Gateway) apiserverReady(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return g.admin.StaxV1alpha1().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error() == nil
}

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
		r := &request{w: w, r: hr, requestID: newRequestID()}
		w.Header().Set("X-Request-Id", r.requestID)
		if err := g.admit(r); err != nil {
			r.writeError(err)
		} else if err := rt.serve(g, r); err != nil {
			r.writeError(err)
		}
		observe(rt.pattern(), r, start)
		klog.InfoS("Request", "requestId", r.requestID, "method", hr.Method, "path", hr.URL.Path, "organization", r.org,
			"status", r.status, "duration", time.Since(start))
	})
}
