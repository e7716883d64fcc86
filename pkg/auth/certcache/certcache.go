// Package certcache remembers whom a client certificate authenticated as,
// so that its chain is verified once and not on every request.
//
// Kubernetes' x509 and front-proxy authenticators verify the peer's
// certificate chain (a signature check) on every request, even on a
// connection whose handshake presented the same chain a moment ago; under a
// stream of writes that is several percent of an API server's CPU. This
// cache sits in front of them, as the delegated token authenticator's cache
// does for tokens, and for as short a time (10 seconds by default).
//
// Correctness does not rest on knowing which headers the authenticators
// read: the key is the peer's chain plus every request header except a
// short list that no authenticator reads (Accept, User-Agent, Audit-ID,
// ...). A front-proxy request's X-Remote-User and X-Remote-Group are part of
// its key. Headers the authenticator removes from a request (the
// front-proxy ones) are removed again on a hit. Requests with a bearer token
// are left to the token authenticators and their own caches, and only
// successful, non-anonymous answers are kept.
package certcache

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"net/http"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/utils/clock"
)

// DefaultTTL is how long an answer is reused: the same as the delegated
// token authenticator's cache, so a client CA that is rotated away stops
// being honoured as quickly as a revoked delegated token.
const DefaultTTL = 10 * time.Second

// DefaultSize bounds the number of remembered (chain, headers) pairs.
const DefaultSize = 4096

// ignoredHeaders are read by no authenticator and differ between requests
// of one client; leaving them out of the key is what makes hits possible.
var ignoredHeaders = map[string]bool{
	"Accept":          true,
	"Accept-Encoding": true,
	"Audit-Id":        true,
	"Content-Length":  true,
	"Content-Type":    true,
	"Traceparent":     true,
	"Tracestate":      true,
	"User-Agent":      true,
}

// Authenticator caches the answers of another authenticator for requests
// that present a client certificate.
type Authenticator struct {
	inner authenticator.Request
	ttl   time.Duration
	clock clock.PassiveClock
	cache *cache.LRUExpireCache
}

// New caches inner's answers for at most ttl, and never past the
// certificate's expiry.
func New(inner authenticator.Request, size int, ttl time.Duration) *Authenticator {
	return NewWithClock(inner, size, ttl, clock.RealClock{})
}

// NewWithClock is New with a clock, for tests.
func NewWithClock(inner authenticator.Request, size int, ttl time.Duration, c clock.PassiveClock) *Authenticator {
	return &Authenticator{inner: inner, ttl: ttl, clock: c, cache: cache.NewLRUExpireCacheWithClock(size, c)}
}

// entry is a remembered answer and the headers the inner authenticator
// took off the request that earned it.
type entry struct {
	resp    *authenticator.Response
	removed []string
}

// AuthenticateRequest answers from the cache or asks the inner
// authenticator.
func (a *Authenticator) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	key, ok := cacheKey(req)
	if !ok {
		return a.inner.AuthenticateRequest(req)
	}
	if v, hit := a.cache.Get(key); hit {
		e := v.(*entry)
		for _, h := range e.removed {
			req.Header.Del(h)
		}
		resp := *e.resp
		return &resp, true, nil
	}
	before := make([]string, 0, len(req.Header))
	for h := range req.Header {
		before = append(before, h)
	}
	resp, ok, err := a.inner.AuthenticateRequest(req)
	if err != nil || !ok || resp == nil || resp.User == nil || resp.User.GetName() == user.Anonymous {
		return resp, ok, err
	}
	ttl := a.ttl
	if left := req.TLS.PeerCertificates[0].NotAfter.Sub(a.clock.Now()); left < ttl {
		ttl = left
	}
	if ttl > 0 {
		var removed []string
		for _, h := range before {
			if _, still := req.Header[h]; !still {
				removed = append(removed, h)
			}
		}
		saved := *resp
		a.cache.Add(key, &entry{resp: &saved, removed: removed}, ttl)
	}
	return resp, ok, err
}

// cacheKey hashes the peer's chain and the request's headers; not ok for a
// request without a client certificate or with a bearer token.
func cacheKey(req *http.Request) ([sha256.Size]byte, bool) {
	var key [sha256.Size]byte
	if req.TLS == nil || len(req.TLS.PeerCertificates) == 0 ||
		req.Header.Get("Authorization") != "" || req.Header.Get("Sec-Websocket-Protocol") != "" {
		return key, false
	}
	h := sha256.New()
	for _, c := range req.TLS.PeerCertificates {
		write(h, c.Raw)
	}
	names := make([]string, 0, len(req.Header))
	for name := range req.Header {
		if !ignoredHeaders[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		write(h, []byte(name))
		values := req.Header[name]
		write(h, binary.BigEndian.AppendUint32(nil, uint32(len(values))))
		for _, v := range values {
			write(h, []byte(v))
		}
	}
	h.Sum(key[:0])
	return key, true
}

// write adds b with its length, so that no two sequences hash alike.
func write(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}
