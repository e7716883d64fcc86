package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// scriptedAPIServer answers the list and watch calls of an envWatch the way
// stax-apiserver does, from a script: each watch call gets the next stream
// of events; lists answer with the object at listRV, or none.
type scriptedAPIServer struct {
	mu       sync.Mutex
	listRV   string // "" once the environment is gone
	streams  [][]string
	watchRVs []string // the resourceVersion each watch asked for
	bookmark []bool   // whether each watch allowed bookmarks
}

func envJSON(rv, phase string) string {
	return fmt.Sprintf(`{"kind":"Environment","apiVersion":"stax.microstax.ai/v1alpha1","metadata":{"name":"shop","resourceVersion":%q},"status":{"phase":%q}}`, rv, phase)
}

func (s *scriptedAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	q := r.URL.Query()
	if q.Get("watch") != "true" {
		items := "[]"
		if s.listRV != "" {
			items = "[" + envJSON(s.listRV, "Ready") + "]"
		}
		fmt.Fprintf(w, `{"kind":"EnvironmentList","apiVersion":"stax.microstax.ai/v1alpha1","metadata":{"resourceVersion":"%s"},"items":%s}`, s.listRV+"0", items)
		return
	}
	s.watchRVs = append(s.watchRVs, q.Get("resourceVersion"))
	s.bookmark = append(s.bookmark, q.Get("allowWatchBookmarks") == "true")
	if len(s.streams) == 0 {
		s.mu.Unlock()
		<-r.Context().Done() // nothing more happens
		s.mu.Lock()
		return
	}
	for _, ev := range s.streams[0] {
		fmt.Fprintln(w, ev)
	}
	s.streams = s.streams[1:]
}

func TestWatchResumesAfterBookmarksAndExpiry(t *testing.T) {
	gone := `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410}}`
	api := &scriptedAPIServer{listRV: "10", streams: [][]string{
		{
			`{"type":"MODIFIED","object":` + envJSON("11", "Provisioning") + `}`,
			`{"type":"BOOKMARK","object":{"kind":"Environment","apiVersion":"stax.microstax.ai/v1alpha1","metadata":{"resourceVersion":"15"}}}`,
		}, // ends: the next watch resumes from the bookmark
		{gone}, // expired: list again, then watch from the list
		{`{"type":"MODIFIED","object":` + envJSON("21", "Degraded") + `}`, gone},
	}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	up, err := newUpstream(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := withCaller(context.Background(), caller{token: "t", requestID: "stx_test"})

	w, err := up.startWatch(ctx, "acme", "shop")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	err = w.run(ctx, func(typ watch.EventType, env *staxv1.Environment) bool {
		seen = append(seen, string(typ)+" "+string(env.Status.Phase)+"@"+env.ResourceVersion)
		api.mu.Lock()
		switch len(seen) {
		case 1:
			api.listRV = "20" // changed while the next watch is away
		case 3:
			api.listRV = "" // deleted while the next watch is away
		}
		api.mu.Unlock()
		return true
	})
	if !errors.Is(err, errDeleted) {
		t.Errorf("run ended with %v, want errDeleted", err)
	}
	want := []string{
		"MODIFIED Provisioning@11", // the bookmark is not passed on
		"MODIFIED Ready@20",        // relisted after the first 410
		"MODIFIED Degraded@21",
		"DELETED Degraded@21", // the second 410 finds it gone: the last object seen
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("events\n got %q\nwant %q", seen, want)
	}
	// Each watch resumed where the last one left off.
	if fmt.Sprint(api.watchRVs) != "[100 15 200]" {
		t.Errorf("watches from %v", api.watchRVs)
	}
	for i, b := range api.bookmark {
		if !b {
			t.Errorf("watch %d did not allow bookmarks", i)
		}
	}
}
