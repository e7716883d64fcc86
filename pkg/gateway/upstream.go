package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/ratelimit"
)

var orgResource = schema.GroupResource{Group: "stax.microstax.ai", Resource: "organizations"}

// upstream is stax-apiserver as the gateway calls it: one client-go REST
// client on one transport, shared by every caller. The client has no
// credentials of its own; each call carries its caller's token, set by
// callerTransport from the call's context.
type upstream struct {
	client rest.Interface
}

func newUpstream(c *rest.Config) (*upstream, error) {
	cfg := rest.AnonymousClientConfig(c)
	cfg.Timeout = 0 // streams last as long as their client
	cfg.QPS = -1    // no client-side limit: the apiserver limits each caller
	cfg.ContentType = "application/json"
	cfg.AcceptContentTypes = "application/json"
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return callerTransport{rt} })
	cs, err := versioned.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &upstream{client: cs.StaxV1alpha1().RESTClient()}, nil
}

// verb starts a call. The gateway answers its caller at once: refusals,
// 429 included, go back to the caller rather than being retried here.
func (u *upstream) verb(method string) *rest.Request {
	return u.client.Verb(method).MaxRetries(0)
}

// environments starts a call on the organization's environments.
func (u *upstream) environments(method, org string) *rest.Request {
	return u.verb(method).Namespace(org).Resource("environments")
}

// baselines starts a call on the organization's baselines.
func (u *upstream) baselines(method, org string) *rest.Request {
	return u.verb(method).Namespace(org).Resource("baselines")
}

// stubs starts a call on the organization's stubs.
func (u *upstream) stubs(method, org string) *rest.Request {
	return u.verb(method).Namespace(org).Resource("stubs")
}

// raw makes a call and returns the apiserver's JSON as it came, or its
// Status as an error.
func raw(ctx context.Context, req *rest.Request) ([]byte, error) {
	res := req.Do(ctx)
	data, err := res.Raw()
	if err != nil {
		// Raw leaves the Status in the body; Error decodes it.
		return nil, upstreamError(res.Error())
	}
	return data, nil
}

// into makes a call and decodes its answer into obj.
func into(ctx context.Context, req *rest.Request, obj runtime.Object) error {
	return upstreamError(req.Do(ctx).Into(obj))
}

// upstreamError keeps the apiserver's Status errors as they are and turns
// failures to reach it into 503.
func upstreamError(err error) error {
	var status apierrors.APIStatus
	if err == nil || errors.As(err, &status) || errors.Is(err, context.Canceled) {
		return err
	}
	return apierrors.NewServiceUnavailable(fmt.Sprintf("the apiserver is unreachable: %v", err))
}

// caller is on whose behalf a call is made.
type caller struct {
	token     string
	requestID string
	// quota receives the apiserver's RateLimit headers of each call, for
	// the caller's answer; nil drops them.
	quota *relayedQuota
}

type callerKey struct{}

// withCaller returns a context whose calls carry the caller's token.
func withCaller(ctx context.Context, c caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// relayedQuota keeps the rate limit headers of the latest apiserver answer
// to a caller's calls: the apiserver counts the organization's requests,
// and the caller sees its count.
type relayedQuota struct {
	mu     sync.Mutex
	header http.Header
}

func (q *relayedQuota) record(from http.Header) {
	if q == nil || from.Get("RateLimit-Limit") == "" {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.header = http.Header{}
	for _, k := range ratelimit.Headers {
		if v := from.Get(k); v != "" {
			q.header.Set(k, v)
		}
	}
}

// copyTo sets the relayed headers on an answer.
func (q *relayedQuota) copyTo(h http.Header) {
	if q == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for k, v := range q.header {
		h[k] = v
	}
}

// callerTransport sets, on each call, the token and request id of the
// caller in its context. A call without a caller is a programming error
// and is refused rather than sent anonymously.
type callerTransport struct{ next http.RoundTripper }

func (t callerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, ok := req.Context().Value(callerKey{}).(caller)
	if !ok || c.token == "" {
		return nil, errors.New("gateway: an apiserver call without a caller")
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+c.token)
	// Audit-ID is honoured by the apiserver's audit filter, so the id a
	// client sees in meta.requestId is the auditID of the apiserver's log.
	req.Header.Set("Audit-ID", c.requestID)
	req.Header.Set("X-Request-Id", c.requestID)
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		c.quota.record(resp.Header)
	}
	return resp, err
}
