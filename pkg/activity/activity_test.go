package activity

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/request"
)

func TestWrapCountsOnlyUseByOthers(t *testing.T) {
	tr := NewTracker("stax.microstax.ai")
	h := tr.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	serve := func(verb, name, sub string, u user.Info) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		ctx := request.WithRequestInfo(r.Context(), &request.RequestInfo{IsResourceRequest: true, Verb: verb,
			APIGroup: "stax.microstax.ai", Resource: "environments", Subresource: sub, Namespace: "acme", Name: name})
		h.ServeHTTP(httptest.NewRecorder(), r.WithContext(request.WithUser(ctx, u)))
	}
	alice := &user.DefaultInfo{Name: "alice"}
	serve("list", "shop", "", alice)
	serve("watch", "shop", "", alice)
	serve("update", "shop", "status", &user.DefaultInfo{Name: user.APIServerUser})
	if !tr.Last("acme", "shop").IsZero() {
		t.Fatal("lists, watches or the server's own writes counted as use")
	}
	serve("get", "shop", "logs", alice)
	if tr.Last("acme", "shop").IsZero() {
		t.Fatal("reading logs did not count as use")
	}
	tr.Forget("acme", "shop")
	if !tr.Last("acme", "shop").IsZero() {
		t.Fatal("Forget kept the entry")
	}
}
