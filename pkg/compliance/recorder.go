package compliance

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	"k8s.io/apiserver/pkg/audit"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/microstax/stax/pkg/auth"
)

// DefaultFlushInterval is how often a server adds what it counted to etcd.
const DefaultFlushInterval = 10 * time.Second

// Recorder counts one server's requests in memory and adds them to a Store
// every flush. Its two filters and its audit tap are installed together:
//
//   - WithMutations, outermost in the handler chain, holds a slot for a
//     mutating request and, once the whole chain (the audit filter included)
//     has answered, counts it as audited or not;
//   - WithRequests, after authentication and authorization, counts each
//     request of an organization's token user and fills the slot of a
//     mutating one with its audit ID;
//   - Tap wraps the server's audit backend: each event the backend accepts
//     marks the in-flight request of its audit ID as audited.
//
// The count of mutating requests so never comes from the audit backend: a
// request the audit policy drops (level None) is counted and not audited.
type Recorder struct {
	store Store
	clock clock.PassiveClock
	// tapped says the server has an audit backend (Tap was installed).
	tapped atomic.Bool

	mu       sync.Mutex
	pending  map[bucketKey]*Bucket
	inflight map[string][]*mutation // by audit ID

	// flushMu keeps Read from seeing a batch neither in pending nor yet
	// in the store.
	flushMu sync.RWMutex
}

type bucketKey struct {
	org  string
	hour time.Time
}

// mutation is a mutating request in flight.
type mutation struct {
	org                              string
	namespace, resource, subresource string
	sample                           RequestSample
	audited                          atomic.Bool
}

type slotKey struct{}

// slot carries a mutating request's mutation from WithRequests back out to
// WithMutations; the timeout filter may run the inner chain on another
// goroutine, hence the atomic.
type slot struct{ m atomic.Pointer[mutation] }

// NewRecorder counts into store.
func NewRecorder(store Store, clk clock.PassiveClock) *Recorder {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &Recorder{store: store, clock: clk, pending: map[bucketKey]*Bucket{}, inflight: map[string][]*mutation{}}
}

// Auditing says whether this server's audit events are tapped: false when
// it has no audit backend, so nothing it serves is audited.
func (r *Recorder) Auditing() bool { return r.tapped.Load() }

// WithMutations must be the outermost filter: it judges a mutating request
// once the audit filter inside it has processed the request's events.
func (r *Recorder) WithMutations(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			h.ServeHTTP(w, req)
			return
		}
		s := &slot{}
		// Deferred: an aborted request (http.ErrAbortHandler) leaves
		// nothing in flight.
		defer func() {
			if m := s.m.Load(); m != nil {
				r.finish(m)
			}
		}()
		h.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), slotKey{}, s)))
	})
}

// WithRequests counts the requests of organizations' token users; it goes
// after authentication and authorization, inside the audit filter.
func (r *Recorder) WithRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := req.Context()
		u, _ := request.UserFrom(ctx)
		if org, ok := auth.OrganizationOf(u); ok {
			r.countRequest(org, u)
			info, _ := request.RequestInfoFrom(ctx)
			s, _ := ctx.Value(slotKey{}).(*slot)
			if s != nil && info != nil && info.IsResourceRequest && mutatingVerb(info.Verb) {
				id, _ := audit.AuditIDFrom(ctx)
				m := &mutation{org: org, namespace: info.Namespace, resource: info.Resource, subresource: info.Subresource,
					sample: RequestSample{AuditID: string(id), Verb: info.Verb, Resource: resourceName(info), Name: info.Name,
						User: u.GetName(), At: r.clock.Now().UTC()}}
				r.register(m)
				s.m.Store(m)
			}
		}
		h.ServeHTTP(w, req)
	})
}

func mutatingVerb(verb string) bool {
	switch verb {
	case "create", "update", "patch", "delete", "deletecollection":
		return true
	}
	return false
}

func resourceName(info *request.RequestInfo) string {
	if info.Subresource != "" {
		return info.Resource + "/" + info.Subresource
	}
	return info.Resource
}

// Tap wraps the server's audit backend; nil stays nil (no audit at all).
func (r *Recorder) Tap(b audit.Backend) audit.Backend {
	if b == nil {
		return nil
	}
	r.tapped.Store(true)
	return &tap{Backend: b, r: r}
}

type tap struct {
	audit.Backend
	r *Recorder
}

// ProcessEvents passes the events on; those the backend accepted mark
// their requests audited. RequestReceived comes before WithRequests has
// seen the request, so the later stages mark it.
func (t *tap) ProcessEvents(events ...*auditinternal.Event) bool {
	ok := t.Backend.ProcessEvents(events...)
	if ok {
		for _, ev := range events {
			if ev.Stage != auditinternal.StageRequestReceived {
				t.r.audited(ev)
			}
		}
	}
	return ok
}

func (r *Recorder) register(m *mutation) {
	r.mu.Lock()
	r.inflight[m.sample.AuditID] = append(r.inflight[m.sample.AuditID], m)
	r.mu.Unlock()
}

// audited marks the in-flight requests of ev's audit ID that ev is about:
// a client may send one Audit-ID with several requests, so verb and object
// must match too.
func (r *Recorder) audited(ev *auditinternal.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.inflight[string(ev.AuditID)] {
		o := ev.ObjectRef
		if o == nil || ev.Verb != m.sample.Verb || o.Resource != m.resource || o.Subresource != m.subresource || o.Namespace != m.namespace {
			continue
		}
		if o.Name != "" && m.sample.Name != "" && o.Name != m.sample.Name {
			continue
		}
		m.audited.Store(true)
	}
}

// finish counts a mutating request that has been answered.
func (r *Recorder) finish(m *mutation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := m.sample.AuditID
	list := r.inflight[id]
	for i, x := range list {
		if x == m {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(r.inflight, id)
	} else {
		r.inflight[id] = list
	}
	b := r.bucket(m.org, m.sample.At)
	b.Mutating++
	if m.audited.Load() {
		b.Audited++
	} else {
		b.Unaudited = append(b.Unaudited, m.sample)
		if len(b.Unaudited) > 2*MaxSamples {
			b.Unaudited = latestRequests(b.Unaudited, MaxSamples)
		}
	}
}

func (r *Recorder) countRequest(org string, u user.Info) {
	now := r.clock.Now().UTC()
	extra := u.GetExtra()
	dual := len(extra[auth.ExtraTokenID]) == 1 && len(extra[auth.ExtraPostQuantumVerified]) == 1 &&
		extra[auth.ExtraPostQuantumVerified][0] == "true"
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bucket(org, now)
	b.Requests++
	if dual {
		b.DualSigned++
		return
	}
	id := ""
	if ids := extra[auth.ExtraTokenID]; len(ids) == 1 {
		id = ids[0]
	}
	b.SingleSigned = append(b.SingleSigned, TokenSample{TokenID: id, Subject: u.GetName(), At: now})
	if len(b.SingleSigned) > 2*MaxSamples {
		b.SingleSigned = latestTokens(b.SingleSigned, MaxSamples)
	}
}

// bucket is the pending bucket of org at t; r.mu is held.
func (r *Recorder) bucket(org string, t time.Time) *Bucket {
	k := bucketKey{org: org, hour: HourOf(t)}
	b := r.pending[k]
	if b == nil {
		b = &Bucket{}
		r.pending[k] = b
	}
	return b
}

// Flush adds what was counted since the last flush to the store; what the
// store refuses stays pending for the next.
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	batch := r.pending
	r.pending = map[bucketKey]*Bucket{}
	r.mu.Unlock()
	var firstErr error
	failed := map[bucketKey]*Bucket{}
	for k, b := range batch {
		if err := r.store.Add(ctx, k.org, k.hour, *b); err != nil {
			failed[k] = b
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if len(failed) > 0 {
		r.mu.Lock()
		for k, b := range failed {
			if later := r.pending[k]; later != nil {
				b.Add(*later)
			}
			r.pending[k] = b
		}
		r.mu.Unlock()
	}
	return firstErr
}

// Run flushes every interval until ctx ends, then once more.
func (r *Recorder) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := r.Flush(ctx); err != nil {
				klog.ErrorS(err, "Adding compliance counters to etcd; kept for the next flush")
			}
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := r.Flush(final); err != nil {
				klog.ErrorS(err, "Adding compliance counters to etcd at shutdown; they are lost")
			}
			cancel()
			return
		}
	}
}

// Read sums org's counts of the hours from from's to to's: what every
// replica flushed, and what this one has not flushed yet.
func (r *Recorder) Read(ctx context.Context, org string, from, to time.Time) (Bucket, error) {
	r.flushMu.RLock()
	defer r.flushMu.RUnlock()
	sum, err := r.store.Read(ctx, org, from, to)
	if err != nil {
		return Bucket{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, b := range r.pending {
		if k.org == org && !k.hour.Before(HourOf(from)) && !k.hour.After(HourOf(to)) {
			sum.Add(*b)
		}
	}
	return sum, nil
}
