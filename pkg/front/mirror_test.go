package front

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/component-base/metrics/legacyregistry"

	"github.com/microstax/stax/pkg/diff"
)

// seen is what an echo backend was sent.
type seen struct {
	Name, Method, URI, Host, Body string
	Shadow, Overlay, Auth         string
}

// echo is a backend answering JSON with its name and what it was sent;
// every request it serves goes on got, if set.
func echo(t *testing.T, name string, got chan<- seen) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s := seen{Name: name, Method: r.Method, URI: r.RequestURI, Host: r.Host, Body: string(b),
			Shadow: r.Header.Get(HeaderShadow), Overlay: r.Header.Get(HeaderOverlay), Auth: r.Header.Get("Authorization")}
		if got != nil {
			got <- s
		}
		w.Header().Set("X-Served-By", name)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(s)
	}))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

// sink collects exchanges.
type sink chan diff.Exchange

func (s sink) put(e diff.Exchange) { s <- e }

// next waits for the next exchange (the copies are asynchronous).
func (s sink) next(t *testing.T) diff.Exchange {
	t.Helper()
	select {
	case e := <-s:
		return e
	case <-time.After(30 * time.Second):
		t.Fatal("no exchange reached the sink")
		return diff.Exchange{}
	}
}

// mirroringFront is a front over primary mirroring every request to secondary
// and candidate for overlay "feature", with tuning.
func mirroringFront(t *testing.T, org, primary string, m *Mirror, lim MirrorLimits) (*Front, string) {
	t.Helper()
	f := New("api", static(primary), NewTable())
	f.Mirrors = NewMirrorTable()
	f.MirrorLimits = lim
	m.Organization = org
	f.Mirrors.Set("feature", m)
	s := httptest.NewServer(f)
	t.Cleanup(s.Close)
	t.Cleanup(f.Close)
	return f, s.URL
}

// stats waits until m's counts satisfy ok and returns them. The caller
// has its answer before the front has counted or queued the request (the
// last bytes are flushed as they come), so counts lag answers a little.
func stats(t *testing.T, m *Mirror, ok func(MirrorStats) bool) MirrorStats {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := m.Stats()
		if ok(st) || time.Now().After(deadline) {
			return st
		}
		time.Sleep(time.Millisecond)
	}
}

func do(t *testing.T, method, url string, body io.Reader, header ...string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func decode(t *testing.T, b []byte) seen {
	t.Helper()
	var s seen
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return s
}

func TestMirrorCopiesToSecondaryAndCandidate(t *testing.T) {
	copies := make(chan seen, 10)
	out := make(sink, 10)
	m := &Mirror{Percent: 100, Methods: []string{"GET", "PUT"}, AllowUnsafe: true,
		Secondary: static(echo(t, "secondary", copies)), Candidate: static(echo(t, "candidate", copies)), Sink: out.put}
	_, url := mirroringFront(t, "acme-copies", echo(t, "primary", nil), m, MirrorLimits{})

	for _, tc := range []struct{ method, body string }{{"GET", ""}, {"PUT", `{"n":1}`}} {
		code, body, h := do(t, tc.method, url+"/users/7?x=1", strings.NewReader(tc.body), "Authorization", "Bearer s3cret", "X-Test", "yes")
		// The caller has the primary's answer, as without mirroring.
		if p := decode(t, []byte(body)); code != 201 || p.Name != "primary" || p.Body != tc.body || h.Get(HeaderRoute) != "default" || p.Shadow != "" {
			t.Fatalf("%s: the caller got %d %+v route %q", tc.method, code, p, h.Get(HeaderRoute))
		}
		e := out.next(t)
		if e.Method != tc.method || e.Path != "/users/7" || e.Query != "x=1" || string(e.Body) != tc.body || e.Header.Get("X-Test") != "yes" {
			t.Errorf("%s: exchange request %s %s ? %s %q %v", tc.method, e.Method, e.Path, e.Query, e.Body, e.Header)
		}
		if e.Header.Get("Authorization") != "" || e.Time.IsZero() {
			t.Errorf("%s: the exchange keeps credentials or has no time: %v", tc.method, e.Header)
		}
		for _, r := range []struct {
			who  string
			resp diff.Response
		}{{"primary", e.Primary}, {"secondary", e.Secondary}, {"candidate", e.Candidate}} {
			got := decode(t, r.resp.Body)
			if r.resp.Err != "" || r.resp.Status != 201 || got.Name != r.who || got.Body != tc.body || r.resp.Header.Get("X-Served-By") != r.who || r.resp.Latency <= 0 {
				t.Errorf("%s: %s answered %+v %+v", tc.method, r.who, r.resp, got)
			}
			if r.resp.Header.Get(HeaderRoute) != "" {
				t.Errorf("%s: %s's answer has the front's route header", tc.method, r.who)
			}
		}
		// Each copy went once, marked; only the candidate's names the
		// overlay, so that its own calls reach the overlay's versions.
		for range 2 {
			c := <-copies
			want := map[string]string{"secondary": "", "candidate": "feature"}[c.Name]
			if c.Method != tc.method || c.URI != "/users/7?x=1" || c.Shadow != "feature" || c.Overlay != want || c.Auth != "Bearer s3cret" || !strings.HasPrefix(c.Host, "127.0.0.1:") {
				t.Errorf("%s: copy %+v", tc.method, c)
			}
		}
	}
	if st := m.Stats(); st.Mirrored != 2 || st != (MirrorStats{Sampled: 2, Mirrored: 2}) {
		t.Errorf("stats %+v", st)
	}
}

// Only the baseline's own traffic is mirrored: not a request with a key
// (any overlay's), not a copy, not what a service does for a copy.
func TestMirrorOnlyTheBaselinesTraffic(t *testing.T) {
	out := make(sink, 10)
	var front string
	// The secondary calls the front back, propagating its headers, as a
	// service calls a dependency.
	secondaryCalls := make(chan int, 10)
	sec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest("GET", front+"/from-secondary", nil)
		for _, h := range PropagatedHeaders {
			if v := r.Header.Get(h); v != "" {
				req.Header.Set(h, v)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			secondaryCalls <- resp.StatusCode
		}
		io.WriteString(w, "ok")
	}))
	defer sec.Close()
	routes := NewTable()
	f := New("api", static(echo(t, "primary", nil)), routes)
	routes.Set("feature", static(echo(t, "overlay", nil)))
	f.Mirrors = NewMirrorTable()
	m := &Mirror{Percent: 100, Secondary: static(sec.Listener.Addr().String()), Candidate: static(echo(t, "candidate", nil)), Sink: out.put}
	f.Mirrors.Set("feature", m)
	s := httptest.NewServer(f)
	defer s.Close()
	defer f.Close()
	front = s.URL

	for _, h := range [][]string{{HeaderOverlay, "feature"}, {HeaderOverlay, "other"}, {HeaderShadow, "feature"}, {"Baggage", "stax-overlay=other"}} {
		if code, _, _ := do(t, "GET", front, nil, h...); code != 201 {
			t.Fatalf("%v: %d", h, code)
		}
	}
	do(t, "GET", front, nil)
	out.next(t)
	if code := <-secondaryCalls; code != 201 {
		t.Errorf("the secondary's call: %d", code)
	}
	// The one exchange is the keyless request's: the secondary's call,
	// marked, was not mirrored.
	f.Close()
	if len(out) != 0 || m.Stats().Mirrored != 1 {
		t.Errorf("%d more exchanges, stats %+v", len(out), m.Stats())
	}
}

func TestMirrorSamplesAndLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    *Mirror
		want int64
	}{
		{"25 percent", &Mirror{Percent: 25}, 25},
		{"0 percent", &Mirror{Percent: 0}, 0},
		{"a request limit", &Mirror{Percent: 50, MaxRequests: 10}, 10},
		{"a deadline passed", &Mirror{Percent: 100, Until: time.Now().Add(-time.Second)}, 0},
		{"methods not listed", &Mirror{Percent: 100, Methods: []string{"HEAD"}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := make(sink, 100)
			m := tc.m
			m.Secondary, m.Candidate, m.Sink = static(echo(t, "s", nil)), static(echo(t, "c", nil)), out.put
			f, url := mirroringFront(t, "acme-samples", echo(t, "p", nil), m, MirrorLimits{Queue: 100})
			for range 100 {
				if code, _, _ := do(t, "GET", url, nil); code != 201 {
					t.Fatal(code)
				}
			}
			for range tc.want {
				out.next(t)
			}
			f.Close() // no copy is still under way: what was not counted was not sampled
			if st := m.Stats(); st.Mirrored != tc.want || len(out) != 0 || st.QueueFull != 0 {
				t.Errorf("mirrored %d (+%d), want %d: %+v", st.Mirrored, len(out), tc.want, st)
			}
		})
	}
}

// Unsafe methods are mirrored only when allowed; the primary serves them
// as always.
func TestMirrorUnsafeMethods(t *testing.T) {
	for _, tc := range []struct {
		name       string
		m          *Mirror
		unsafe     int64
		mirrorsPut bool
	}{
		{"listed, not allowed", &Mirror{Methods: []string{"GET", "POST", "PUT"}}, 2, false},
		{"default methods", &Mirror{}, 2, false},
		{"allowed, not listed", &Mirror{AllowUnsafe: true}, 0, false},
		{"allowed and listed", &Mirror{AllowUnsafe: true, Methods: []string{"PUT"}}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := make(sink, 10)
			m := tc.m
			m.Percent, m.Secondary, m.Candidate, m.Sink = 100, static(echo(t, "s", nil)), static(echo(t, "c", nil)), out.put
			f, url := mirroringFront(t, "acme-unsafe", echo(t, "p", nil), m, MirrorLimits{})
			for _, method := range []string{"POST", "PUT"} {
				code, body, _ := do(t, method, url, strings.NewReader("write"))
				if p := decode(t, []byte(body)); code != 201 || p.Method != method || p.Body != "write" {
					t.Fatalf("%s: the primary answered %d %+v", method, code, p)
				}
			}
			if tc.mirrorsPut {
				if e := out.next(t); e.Method != "PUT" || string(e.Body) != "write" {
					t.Errorf("exchange %s %q", e.Method, e.Body)
				}
			}
			f.Close()
			if st := m.Stats(); st.Unsafe != tc.unsafe || len(out) != 0 {
				t.Errorf("stats %+v, %d more exchanges", st, len(out))
			}
		})
	}
}

// hanging is a backend that holds every request until release is closed,
// saying on arrived that one came.
func hanging(t *testing.T) (addr string, arrived chan struct{}, release chan struct{}) {
	arrived, release = make(chan struct{}, 100), make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		io.WriteString(w, "late")
	}))
	t.Cleanup(s.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return s.Listener.Addr().String(), arrived, release
}

func deadAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// The candidate refuses, hangs, answers slowly: the caller's answer is
// the primary's each time, and what happened to the copy is counted and
// in the exchange.
func TestMirrorCandidateFailures(t *testing.T) {
	hang, arrived, _ := hanging(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		io.WriteString(w, "slow")
	}))
	defer slow.Close()
	for _, tc := range []struct {
		name      string
		candidate Backends
		check     func(t *testing.T, e diff.Exchange, st MirrorStats)
	}{
		{"refused", static(deadAddr(t)), func(t *testing.T, e diff.Exchange, st MirrorStats) {
			if !strings.Contains(e.Candidate.Err, "refused") || e.Candidate.Status != 0 || st.CandidateFailed != 1 {
				t.Errorf("candidate %+v, stats %+v", e.Candidate, st)
			}
		}},
		{"no ready replica", static(), func(t *testing.T, e diff.Exchange, st MirrorStats) {
			if e.Candidate.Err != "no ready replica" || st.CandidateFailed != 1 {
				t.Errorf("candidate %+v, stats %+v", e.Candidate, st)
			}
		}},
		{"hangs", static(hang), func(t *testing.T, e diff.Exchange, st MirrorStats) {
			if !strings.Contains(e.Candidate.Err, "timed out") || st.CandidateTimedOut != 1 || st.CandidateFailed != 0 {
				t.Errorf("candidate %+v, stats %+v", e.Candidate, st)
			}
		}},
		{"slow", static(slow.Listener.Addr().String()), func(t *testing.T, e diff.Exchange, st MirrorStats) {
			if e.Candidate.Err != "" || string(e.Candidate.Body) != "slow" || e.Candidate.Latency < 50*time.Millisecond || st.CandidateTimedOut != 0 {
				t.Errorf("candidate %+v, stats %+v", e.Candidate, st)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := make(sink, 1)
			m := &Mirror{Percent: 100, Secondary: static(echo(t, "secondary", nil)), Candidate: tc.candidate, Sink: out.put}
			timeout := 10 * time.Second
			if tc.name == "hangs" {
				timeout = 200 * time.Millisecond
			}
			_, url := mirroringFront(t, "acme-failures", echo(t, "primary", nil), m, MirrorLimits{Timeout: timeout})
			code, body, _ := do(t, "GET", url, nil)
			if p := decode(t, []byte(body)); code != 201 || p.Name != "primary" {
				t.Fatalf("the caller got %d %q", code, body)
			}
			if tc.name == "hangs" {
				// The caller has its answer while the copy still hangs.
				<-arrived
			}
			e := out.next(t)
			if decode(t, e.Secondary.Body).Name != "secondary" || e.Primary.Status != 201 {
				t.Errorf("the secondary's or primary's answer: %+v %+v", e.Secondary, e.Primary)
			}
			tc.check(t, e, m.Stats())
		})
	}
}

// A full queue drops copies, counted; the callers are served meanwhile.
func TestMirrorQueueFull(t *testing.T) {
	hang, arrived, release := hanging(t)
	out := make(sink, 20)
	m := &Mirror{Percent: 100, Secondary: static(echo(t, "secondary", nil)), Candidate: static(hang), Sink: out.put}
	_, url := mirroringFront(t, "acme-queue", echo(t, "primary", nil), m, MirrorLimits{Workers: 1, Queue: 1, Timeout: time.Minute})
	for i := range 10 {
		if code, body, _ := do(t, "GET", url, nil); code != 201 || decode(t, []byte(body)).Name != "primary" {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
		if i == 0 {
			<-arrived // the one worker is taken
		}
	}
	// One copy under way, one queued: the other eight dropped.
	if st := stats(t, m, func(st MirrorStats) bool { return st.QueueFull >= 8 }); st.QueueFull != 8 {
		t.Errorf("dropped %d, want 8: %+v", st.QueueFull, st)
	}
	close(release)
	out.next(t)
	out.next(t)
	if st := m.Stats(); st.Mirrored != 2 || st.QueueFull != 8 {
		t.Errorf("stats %+v", st)
	}
}

// Bodies over the bound: a request's is not mirrored (announced or not),
// an answer's is cut in the exchange; the caller's are whole.
func TestMirrorBigBodies(t *testing.T) {
	out := make(sink, 10)
	m := &Mirror{Percent: 100, Methods: []string{"GET", "POST"}, AllowUnsafe: true,
		Secondary: static(echo(t, "secondary", nil)), Candidate: static(echo(t, "candidate", nil)), Sink: out.put}
	_, url := mirroringFront(t, "acme-big", echo(t, "primary", nil), m, MirrorLimits{MaxBody: 100})
	big := strings.Repeat("x", 101)

	// Announced by Content-Length.
	code, body, _ := do(t, "POST", url, strings.NewReader(big))
	if p := decode(t, []byte(body)); code != 201 || p.Body != big {
		t.Fatalf("the primary got %d %q", code, p.Body)
	}
	// Chunked: found too large as it streams.
	code, body, _ = do(t, "POST", url, io.MultiReader(strings.NewReader(big)))
	if p := decode(t, []byte(body)); code != 201 || p.Body != big {
		t.Fatalf("chunked: the primary got %d %q", code, p.Body)
	}
	if st := stats(t, m, func(st MirrorStats) bool { return st.BodyTooLarge >= 2 }); st.BodyTooLarge != 2 || st.Mirrored != 0 {
		t.Errorf("stats %+v", st)
	}
	// A small request with a large answer (the echo's JSON is over 100
	// bytes): mirrored, cut at the bound.
	code, body, _ = do(t, "POST", url, strings.NewReader("small"))
	e := out.next(t)
	if code != 201 || len(body) <= 100 || string(e.Primary.Body) != body[:100] || !e.Primary.Truncated ||
		len(e.Candidate.Body) != 100 || !e.Candidate.Truncated || string(e.Body) != "small" {
		t.Errorf("the caller got %d (%d bytes); exchange primary %q %v candidate %d bytes %v",
			code, len(body), e.Primary.Body, e.Primary.Truncated, len(e.Candidate.Body), e.Candidate.Truncated)
	}
}

// A primary that fails is the front's 502, as without mirroring, and
// nothing is mirrored: there is no baseline answer to compare.
func TestMirrorPrimaryFails(t *testing.T) {
	m := &Mirror{Percent: 100, Secondary: static(echo(t, "s", nil)), Candidate: static(echo(t, "c", nil))}
	_, url := mirroringFront(t, "acme-primary", deadAddr(t), m, MirrorLimits{})
	if code, body, _ := do(t, "GET", url, nil); code != http.StatusBadGateway || !strings.Contains(body, "backend failed") {
		t.Fatalf("got %d %q", code, body)
	}
	if st := stats(t, m, func(st MirrorStats) bool { return st.PrimaryFailed >= 1 }); st.PrimaryFailed != 1 || st.Mirrored != 0 {
		t.Errorf("stats %+v", st)
	}
}

// With mirroring on, the primary's answer still streams: its first chunk
// reaches the caller before the primary has finished it.
func TestMirroredAnswerStreams(t *testing.T) {
	release := make(chan struct{})
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "first\n")
		w.(http.Flusher).Flush()
		<-release
		fmt.Fprint(w, "second\n")
	}))
	defer p.Close()
	out := make(sink, 1)
	m := &Mirror{Percent: 100, Secondary: static(echo(t, "s", nil)), Candidate: static(echo(t, "c", nil)), Sink: out.put}
	_, url := mirroringFront(t, "acme-stream", p.Listener.Addr().String(), m, MirrorLimits{})
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || line != "first\n" {
		t.Fatalf("first chunk: %q %v", line, err)
	}
	// Nothing is mirrored before the primary has finished.
	if len(out) != 0 {
		t.Fatal("mirrored before the primary finished")
	}
	close(release)
	if rest, _ := io.ReadAll(r); string(rest) != "second\n" {
		t.Fatalf("rest %q", rest)
	}
	if e := out.next(t); string(e.Primary.Body) != "first\nsecond\n" || e.Primary.Status != 200 {
		t.Errorf("exchange primary %+v", e.Primary)
	}
}

// The counters are on the process's /metrics, as stax-apiserver serves
// the legacy registry.
func TestMirrorMetrics(t *testing.T) {
	hang, _, _ := hanging(t)
	out := make(sink, 10)
	m := &Mirror{Percent: 100, Secondary: static(deadAddr(t)), Candidate: static(hang), Sink: out.put}
	// Counters live as long as the process: a label of this run's own.
	org := fmt.Sprintf("acme-metrics-%d", time.Now().UnixNano())
	_, url := mirroringFront(t, org, echo(t, "primary", nil), m, MirrorLimits{Timeout: 100 * time.Millisecond, MaxBody: 1000})
	do(t, "GET", url, nil)
	do(t, "POST", url, strings.NewReader("x"))
	do(t, "GET", url, strings.NewReader(strings.Repeat("x", 1001)))
	out.next(t)
	stats(t, m, func(st MirrorStats) bool { return st.BodyTooLarge >= 1 })
	s := httptest.NewServer(legacyregistry.Handler())
	defer s.Close()
	_, body, _ := do(t, "GET", s.URL, nil)
	labels := `organization="` + org + `",overlay="feature",service="api"`
	for _, want := range []string{
		`stax_shadow_mirrored_total{` + labels + `} 1`,
		`stax_shadow_timed_out_total{` + labels + `,target="candidate"} 1`,
		`stax_shadow_failed_total{` + labels + `,target="secondary"} 1`,
		`stax_shadow_unsafe_skipped_total{` + labels + `} 1`,
		`stax_shadow_dropped_total{organization="` + org + `",overlay="feature",reason="body_too_large",service="api"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
