package compliance

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	"k8s.io/apiserver/pkg/audit"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/request"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/microstax/stax/pkg/auth"
)

// backend records what it accepts; refuse makes it fail every event.
type backend struct {
	events []*auditinternal.Event
	refuse bool
}

func (b *backend) ProcessEvents(events ...*auditinternal.Event) bool {
	if b.refuse {
		return false
	}
	b.events = append(b.events, events...)
	return true
}
func (b *backend) Run(<-chan struct{}) error { return nil }
func (b *backend) Shutdown()                 {}
func (b *backend) String() string            { return "test" }

// call is one request through a chain shaped as the server's: the outer
// filter, then (as the generic chain does) audit ID, user and request info,
// the inner filter, and an audit filter that sends ResponseComplete to sink
// unless the policy drops the verb.
type call struct {
	auditID, verb, resource, name string
	user                          user.Info
}

func serve(t *testing.T, r *Recorder, sink audit.Sink, dropVerb string, c call) {
	t.Helper()
	method := map[string]string{"get": "GET", "list": "GET", "create": "POST", "patch": "PATCH", "update": "PUT", "delete": "DELETE"}[c.verb]
	inner := r.WithRequests(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	chain := r.WithMutations(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := audit.WithAuditContext(req.Context())
		audit.WithAuditID(ctx, types.UID(c.auditID))
		ctx = request.WithUser(ctx, c.user)
		ctx = request.WithRequestInfo(ctx, &request.RequestInfo{IsResourceRequest: true, Verb: c.verb, APIGroup: "stax.microstax.ai",
			Namespace: "acme", Resource: c.resource, Name: c.name})
		inner.ServeHTTP(w, req.WithContext(ctx))
		if c.verb != dropVerb {
			sink.ProcessEvents(&auditinternal.Event{AuditID: types.UID(c.auditID), Stage: auditinternal.StageResponseComplete, Verb: c.verb,
				ObjectRef: &auditinternal.ObjectReference{Namespace: "acme", Resource: c.resource, Name: c.name}})
		}
	}))
	chain.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/apis/stax.microstax.ai/v1alpha1/namespaces/acme/"+c.resource, nil))
}

func tokenUser(name, jti string, pq bool) user.Info {
	v := "false"
	if pq {
		v = "true"
	}
	return &user.DefaultInfo{Name: name, Extra: map[string][]string{
		auth.ExtraOrganization: {"acme"}, auth.ExtraTokenID: {jti}, auth.ExtraPostQuantumVerified: {v}}}
}

func TestRecorderCountsApartFromTheAuditBackend(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 30, 0, 0, time.UTC)
	clk := clocktesting.NewFakeClock(t0)
	store := NewMemoryStore()
	r := NewRecorder(store, clk)
	be := &backend{}
	sink := r.Tap(be)
	dual, classical := tokenUser("alice", "j-1", true), tokenUser("bob", "j-2", false)
	platform := &user.DefaultInfo{Name: "stax-admin", Groups: []string{"system:masters"}}

	serve(t, r, sink, "patch", call{"a1", "create", "environments", "", dual})
	serve(t, r, sink, "patch", call{"a2", "patch", "environments", "web", dual})      // dropped by the policy
	serve(t, r, sink, "patch", call{"a3", "patch", "environments", "api", classical}) // dropped too
	serve(t, r, sink, "patch", call{"a4", "delete", "environments", "old", classical})
	serve(t, r, sink, "patch", call{"a5", "get", "environments", "web", classical})
	serve(t, r, sink, "patch", call{"a6", "patch", "environments", "web", platform}) // not the organization's

	got, err := r.Read(context.Background(), "acme", t0, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Requests != 5 || got.DualSigned != 2 || got.Mutating != 4 || got.Audited != 2 {
		t.Errorf("counts %+v, want 5 requests (2 dual), 4 mutating (2 audited)", got)
	}
	if len(got.Unaudited) != 2 || got.Unaudited[0].AuditID != "a2" || got.Unaudited[1].AuditID != "a3" ||
		got.Unaudited[1].Verb != "patch" || got.Unaudited[1].Name != "api" || got.Unaudited[1].User != "bob" {
		t.Errorf("unaudited %+v, want a2 and a3", got.Unaudited)
	}
	if len(got.SingleSigned) != 1 || got.SingleSigned[0].TokenID != "j-2" || got.SingleSigned[0].Subject != "bob" {
		t.Errorf("single-signed %+v, want bob's j-2 once", got.SingleSigned)
	}
	if len(r.inflight) != 0 {
		t.Errorf("%d requests left in flight", len(r.inflight))
	}

	// Nothing is in the store before a flush; Read saw the pending counts.
	if stored, _ := store.Read(context.Background(), "acme", t0, t0); !stored.IsZero() {
		t.Errorf("stored before a flush: %+v", stored)
	}
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if stored, _ := store.Read(context.Background(), "acme", t0, t0); stored.Requests != 5 || stored.Mutating != 4 {
		t.Errorf("stored %+v", stored)
	}
	if again, _ := r.Read(context.Background(), "acme", t0, t0); again.Requests != 5 {
		t.Errorf("read after the flush %+v: counted twice or lost", again)
	}
}

// An event the backend refuses does not cover its request, and one about
// another request of the same audit ID covers nothing either.
func TestRecorderNeedsTheBackendsAcceptance(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	r := NewRecorder(NewMemoryStore(), clk)
	be := &backend{refuse: true}
	sink := r.Tap(be)
	u := tokenUser("alice", "j-1", true)
	serve(t, r, sink, "", call{"x", "create", "environments", "", u})
	be.refuse = false
	// The same audit ID, but the event names another object.
	wrong := r.WithMutations(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := audit.WithAuditContext(req.Context())
		audit.WithAuditID(ctx, "y")
		ctx = request.WithUser(ctx, u)
		ctx = request.WithRequestInfo(ctx, &request.RequestInfo{IsResourceRequest: true, Verb: "delete", Namespace: "acme", Resource: "environments", Name: "a"})
		r.WithRequests(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, req.WithContext(ctx))
		sink.ProcessEvents(&auditinternal.Event{AuditID: "y", Stage: auditinternal.StageResponseComplete, Verb: "delete",
			ObjectRef: &auditinternal.ObjectReference{Namespace: "acme", Resource: "environments", Name: "b"}})
	}))
	wrong.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("DELETE", "/", nil))
	got, _ := r.Read(context.Background(), "acme", clk.Now(), clk.Now())
	if got.Mutating != 2 || got.Audited != 0 || len(got.Unaudited) != 2 {
		t.Errorf("counts %+v, want 2 mutating, none audited", got)
	}
	if r.Tap(nil) != nil {
		t.Error("a tap of no backend must stay nil: nothing is audited")
	}
}

type failingStore struct {
	*MemoryStore
	fail bool
}

func (s *failingStore) Add(ctx context.Context, org string, hour time.Time, b Bucket) error {
	if s.fail {
		return errors.New("etcd is away")
	}
	return s.MemoryStore.Add(ctx, org, hour, b)
}

// What a failed flush could not store is kept and stored by the next.
func TestFlushKeepsWhatTheStoreRefused(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 59, 0, 0, time.UTC)
	clk := clocktesting.NewFakeClock(t0)
	store := &failingStore{MemoryStore: NewMemoryStore(), fail: true}
	r := NewRecorder(store, clk)
	sink := r.Tap(&backend{})
	u := tokenUser("bob", "j-2", false)
	serve(t, r, sink, "", call{"a", "get", "environments", "x", u})
	if err := r.Flush(context.Background()); err == nil {
		t.Fatal("flush into a failing store succeeded")
	}
	clk.Step(2 * time.Minute) // the next hour
	serve(t, r, sink, "", call{"b", "get", "environments", "x", u})
	store.fail = false
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	first, _ := store.Read(context.Background(), "acme", t0, t0)
	both, _ := store.Read(context.Background(), "acme", t0, clk.Now())
	if first.Requests != 1 || both.Requests != 2 || len(both.SingleSigned) != 1 || !both.SingleSigned[0].At.Equal(clk.Now()) {
		t.Errorf("first hour %+v, both %+v", first, both)
	}
}

func TestBucketKeepsTheLatestSamples(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	var b Bucket
	for i := 0; i < 3*MaxSamples; i++ {
		b.Add(Bucket{Mutating: 1, Unaudited: []RequestSample{{AuditID: string(rune('a' + i%26)), At: t0.Add(time.Duration(i) * time.Second)}},
			SingleSigned: []TokenSample{{TokenID: "same", At: t0.Add(time.Duration(i) * time.Second)}}})
	}
	if b.Mutating != 3*MaxSamples || len(b.Unaudited) != MaxSamples || len(b.SingleSigned) != 1 {
		t.Fatalf("%d mutating, %d samples, %d tokens", b.Mutating, len(b.Unaudited), len(b.SingleSigned))
	}
	if last := b.Unaudited[MaxSamples-1].At; !last.Equal(t0.Add(time.Duration(3*MaxSamples-1) * time.Second)) {
		t.Errorf("newest kept %v", last)
	}
	if !b.SingleSigned[0].At.Equal(t0.Add(time.Duration(3*MaxSamples-1) * time.Second)) {
		t.Errorf("token sample %v, want its latest use", b.SingleSigned[0].At)
	}
}
