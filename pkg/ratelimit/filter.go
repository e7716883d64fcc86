package ratelimit

import (
	"net/http"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	"k8s.io/apiserver/pkg/endpoints/request"
)

// WithOrganizations limits the requests of each organization's users, in
// an apiserver's handler chain after authentication: every request of a
// user orgOf places in an organization counts once (a watch when it
// starts) against limitOf(org) a window, and is answered with the
// RateLimit headers; one over the limit is refused with 429 TooManyRequests
// and Retry-After. Users of no organization (cluster administrators,
// controllers, kube-apiserver itself) are not limited here.
func WithOrganizations(h http.Handler, l *Limiter, orgOf func(user.Info) (string, bool), limitOf func(org string) int,
	s runtime.NegotiatedSerializer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u, _ := request.UserFrom(req.Context())
		org, ok := orgOf(u)
		if !ok {
			h.ServeHTTP(w, req)
			return
		}
		q := l.Take(org, limitOf(org))
		SetHeaders(w.Header(), q)
		if !q.Allowed {
			responsewriters.ErrorNegotiated(TooMany(q), s, schema.GroupVersion{}, w, req)
			return
		}
		h.ServeHTTP(w, req)
	})
}
