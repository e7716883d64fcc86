// Package front is the HTTP-aware front of a service: a reverse proxy that
// picks a backend per request (round robin over ready replicas), keeps
// connections alive on both sides, streams bodies, routes requests that
// carry an overlay's routing key to that overlay's replicas, and mirrors
// a sample of the others to overlays that shadow the service. The
// local runtime puts one before each http port; cmd/stax-router is the
// same front for the kubernetes runtime.
package front

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"
)

// Front serves one service.
type Front struct {
	// Default are the replicas that serve requests without a routed key.
	Default Backends
	// Routes, if set, sends requests with a routed key elsewhere.
	Routes *Table
	// Wait is how long a request to the default replicas waits for a ready
	// one (a restart in progress) before it is answered 502. Zero: not at
	// all. A routed request does not wait: an overlay without a ready
	// replica (stopped, say) is answered 502 at once rather than stalling
	// every hop of the chain.
	Wait time.Duration
	// Name is the service, for error bodies and metrics.
	Name string
	// Mirrors, if set, mirrors requests of the default route to overlays
	// (mirror.go); MirrorLimits bound what that may cost.
	Mirrors      *MirrorTable
	MirrorLimits MirrorLimits

	next   atomic.Uint64
	proxy  *httputil.ReverseProxy
	mirror *mirror
}

// HeaderRoute on an answer says which route served it: "default" or
// "overlay=<key>". It lets a client see the routing without a trace.
const HeaderRoute = "X-Stax-Route"

// New returns a front over def with routing table routes (nil: none).
func New(name string, def Backends, routes *Table) *Front {
	f := &Front{Name: name, Default: def, Routes: routes, mirror: newMirror()}
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
	f.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(pr.In.Context().Value(targetKey{}).(*url.URL))
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		Transport:     transport,
		FlushInterval: -1, // stream: flush every write
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if c, ok := w.(*captureWriter); ok {
				c.failed = true // the front answers, not the primary: nothing to mirror
			}
			http.Error(w, fmt.Sprintf("stax front %s: backend failed: %v", f.Name, err), http.StatusBadGateway)
		},
	}
	return f
}

type targetKey struct{}

// ServeHTTP is the request's pipeline: find its route, pick a replica of
// it, sample it for mirrors (default route only), forward.
func (f *Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, err := f.route(r)
	if err != nil {
		http.Error(w, fmt.Sprintf("stax front %s: %v", f.Name, err), http.StatusBadRequest)
		return
	}
	addr := f.pick(r.Context(), rt.backends, rt.wait)
	if addr == "" {
		http.Error(w, fmt.Sprintf("stax front %s: no ready replica for %s", f.Name, rt.name), http.StatusBadGateway)
		return
	}
	w.Header().Set(HeaderRoute, rt.name)
	target := &url.URL{Scheme: "http", Host: addr}
	r = r.WithContext(context.WithValue(r.Context(), targetKey{}, target))
	if rt.mirror && r.Header.Get(HeaderShadow) == "" && r.Header.Get("Upgrade") == "" {
		if ms := f.Mirrors.admit(f.Name, r.Method); len(ms) > 0 {
			f.serveMirrored(w, r, ms)
			return
		}
	}
	f.proxy.ServeHTTP(w, r)
}

type route struct {
	name     string // "default" or "overlay=<key>"
	backends Backends
	wait     time.Duration // for a ready replica
	// mirror: the baseline's own traffic, which overlays may shadow. A
	// request with a key (even of an overlay that does not change this
	// service) is some overlay's traffic, not the baseline's.
	mirror bool
}

// route resolves the request's routing key: the overlay's replicas when
// the table has its key, the default ones otherwise (a key of an overlay
// that does not change this service).
func (f *Front) route(r *http.Request) (route, error) {
	key, err := RoutingKey(r.Header)
	if err != nil {
		return route{}, err
	}
	if b, ok := f.Routes.Lookup(key); ok {
		return route{name: "overlay=" + key, backends: b}, nil
	}
	return route{name: "default", backends: f.Default, wait: f.Wait, mirror: key == ""}, nil
}

// pick is the next ready replica, round robin, waiting up to wait for one.
func (f *Front) pick(ctx context.Context, b Backends, wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		if addrs := b(); len(addrs) > 0 {
			return addrs[f.next.Add(1)%uint64(len(addrs))]
		}
		if !time.Now().Before(deadline) {
			return ""
		}
		select {
		case <-ctx.Done():
			return ""
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// CloseIdle drops the idle connections to backends (Close also ends
// mirroring).
func (f *Front) CloseIdle() {
	f.proxy.Transport.(*http.Transport).CloseIdleConnections()
}
