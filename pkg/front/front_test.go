package front

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"
)

// backend is a real HTTP server answering with its name.
func backend(t *testing.T, name string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%s %s", name, r.Header.Get(HeaderOverlay)+r.Header.Get(HeaderBaggage))
	}))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

func static(addrs ...string) Backends { return func() []string { return addrs } }

// serve puts f on a real listener and returns its URL.
func serve(t *testing.T, f *Front) string {
	t.Helper()
	s := httptest.NewServer(f)
	t.Cleanup(s.Close)
	t.Cleanup(f.CloseIdle)
	return s.URL
}

func get(t *testing.T, c *http.Client, url string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestRoundRobinPerRequestOnOneConnection(t *testing.T) {
	f := New("api", static(backend(t, "a"), backend(t, "b")), nil)
	url := serve(t, f)
	var conns sync.Map
	seen := map[string]int{}
	reused := 0
	for i := 0; i < 6; i++ {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			conns.Store(info.Conn.LocalAddr().String(), true)
			if info.Reused {
				reused++
			}
		}}))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get(HeaderRoute) != "default" {
			t.Errorf("route header %q", resp.Header.Get(HeaderRoute))
		}
		seen[strings.Fields(string(b))[0]]++
	}
	if seen["a"] != 3 || seen["b"] != 3 {
		t.Errorf("per request round robin: %v", seen)
	}
	if reused != 5 {
		t.Errorf("keep-alive: %d of 6 requests reused the connection", reused)
	}
}

func TestRoutesByKey(t *testing.T) {
	routes := NewTable()
	f := New("api", static(backend(t, "baseline")), routes)
	routes.Set("feature", static(backend(t, "overlay")))
	url := serve(t, f)
	c := http.DefaultClient

	cases := []struct {
		name, route, answer string
		header              []string
	}{
		{"no key", "default", "baseline", nil},
		{"baggage", "overlay=feature", "overlay", []string{"Baggage", "user=1;p, stax-overlay=feature;ttl=5"}},
		{"plain header", "overlay=feature", "overlay", []string{HeaderOverlay, "feature"}},
		{"an overlay that does not change the service", "default", "baseline", []string{HeaderOverlay, "other"}},
	}
	for _, tc := range cases {
		code, body, h := get(t, c, url, tc.header...)
		if code != 200 || h.Get(HeaderRoute) != tc.route || strings.Fields(body)[0] != tc.answer {
			t.Errorf("%s: %d %q route %q", tc.name, code, body, h.Get(HeaderRoute))
		}
		// The key reaches the backend, which propagates it.
		if len(tc.header) > 0 && !strings.Contains(body, tc.header[1]) {
			t.Errorf("%s: the backend did not see the header: %q", tc.name, body)
		}
	}

	routes.Remove("feature")
	if _, body, _ := get(t, c, url, HeaderOverlay, "feature"); !strings.HasPrefix(body, "baseline") {
		t.Errorf("after the route is removed: %q", body)
	}
}

func TestBadBaggageIsRefused(t *testing.T) {
	f := New("api", static(backend(t, "baseline")), NewTable())
	code, body, _ := get(t, http.DefaultClient, serve(t, f), "Baggage", "stax-overlay")
	if code != http.StatusBadRequest || !strings.Contains(body, `stax front api: baggage member 1: "stax-overlay" has no '='`) {
		t.Fatalf("got %d %q", code, body)
	}
}

func TestOverlayWithoutReadyReplicasIs502(t *testing.T) {
	routes := NewTable()
	routes.Set("feature", static())
	f := New("api", static(backend(t, "baseline")), routes)
	f.Wait = time.Hour // the default's wait: a routed request does not wait
	code, body, _ := get(t, http.DefaultClient, serve(t, f), HeaderOverlay, "feature")
	if code != http.StatusBadGateway || !strings.Contains(body, "stax front api: no ready replica for overlay=feature") {
		t.Fatalf("got %d %q", code, body)
	}

	// A replica that is listed but refuses connections: 502 too, saying so.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := l.Addr().String()
	l.Close()
	routes.Set("feature", static(dead))
	code, body, _ = get(t, http.DefaultClient, serve(t, f), HeaderOverlay, "feature")
	if code != http.StatusBadGateway || !strings.Contains(body, "backend failed") {
		t.Fatalf("dead replica: got %d %q", code, body)
	}
}

// TestStreams: a request body reaches the backend as it is written, and
// the first chunk of an answer reaches the client before the backend has
// finished it.
func TestStreams(t *testing.T) {
	gotLine, release := make(chan string, 1), make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		br := bufio.NewReader(r.Body)
		line, err := br.ReadString('\n')
		if err != nil {
			t.Errorf("backend read: %v", err)
		}
		gotLine <- line
		io.Copy(io.Discard, br)
		fmt.Fprintf(w, "got %s", line)
		w.(http.Flusher).Flush()
		<-release
		fmt.Fprint(w, "done\n")
	}))
	defer s.Close()
	url := serve(t, New("api", static(s.Listener.Addr().String()), nil))

	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, url, pr)
	respc := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		respc <- resp
	}()
	fmt.Fprint(pw, "hello\n")
	// The body is still open, yet its first line has reached the backend.
	if line := <-gotLine; line != "hello\n" {
		t.Fatalf("backend got %q", line)
	}
	pw.Close()
	resp := <-respc
	if resp == nil {
		t.FailNow()
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	// The backend still holds its answer open: its first chunk is here.
	if line, err := r.ReadString('\n'); err != nil || line != "got hello\n" {
		t.Fatalf("first chunk: %q %v", line, err)
	}
	close(release)
	if rest, _ := io.ReadAll(r); string(rest) != "done\n" {
		t.Fatalf("rest: %q", rest)
	}
}
