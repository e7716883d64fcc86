package front

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/diff"
)

// BenchmarkMirrorPrimaryPath measures what mirroring costs the caller:
// six fronts over one primary, side by side at one steady rate — without
// mirroring, and mirroring every request to a healthy candidate, to
// targets without replicas (no copy is sent: the step's own cost), to a
// candidate that is down (refuses), to one that hangs (never answers;
// copies time out) and to one that answers slowly (50 ms). Everything
// runs in this process, on loopback: the copies' CPU is the primary's. An op is one tick of the
// rate: one GET to each front, in a rotating order so that no front is
// always first; run it with -benchtime=<ticks>x. The caller's latency
// percentiles and errors per front, and the copies mirrored and dropped,
// are reported as metrics and as a table (-v).
func BenchmarkMirrorPrimaryPath(b *testing.B) {
	const rate = 200                                                             // ticks per second, so each front sees 200 requests/s
	body := strings.Repeat(`{"id":12345,"name":"a user","tags":["x","y"]},`, 20) // ~1 KiB, as a small JSON API
	answer := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"by":"`+name+`","items":[`+body+`{}]}`)
		}
	}
	server := func(h http.Handler) string {
		s := httptest.NewServer(h)
		b.Cleanup(s.Close)
		return s.Listener.Addr().String()
	}
	primary := server(answer("primary"))
	secondary := server(answer("secondary"))
	healthy := server(answer("candidate"))
	hang := make(chan struct{})
	b.Cleanup(func() { close(hang) })
	hanging := server(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	slow := server(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		answer("slow")(w, r)
	}))
	down := deadAddr(b)

	type target struct {
		name      string
		candidate string // "" : no mirroring
		url       string
		client    *http.Client
		m         *Mirror
		lat       []time.Duration
		errs      int
	}
	// "step only" mirrors to targets without replicas: the mirror step's
	// own cost on the primary path, without the copies' CPU.
	targets := []*target{{name: "off"}, {name: "on", candidate: healthy}, {name: "step only", candidate: "none"},
		{name: "candidate down", candidate: down}, {name: "candidate hangs", candidate: hanging}, {name: "candidate slow", candidate: slow}}
	for _, tg := range targets {
		f := New("bench", static(primary), nil)
		if tg.candidate == "none" {
			tg.m = &Mirror{Percent: 100, Secondary: static(), Candidate: static(), Sink: func(diff.Exchange) {}}
		} else if tg.candidate != "" {
			tg.m = &Mirror{Percent: 100, Secondary: static(secondary), Candidate: static(tg.candidate), Sink: func(diff.Exchange) {}}
		}
		if tg.m != nil {
			f.Mirrors = NewMirrorTable()
			f.Mirrors.Set("feature", tg.m)
		}
		s := httptest.NewServer(f)
		b.Cleanup(s.Close)
		b.Cleanup(f.Close)
		tg.url = s.URL + "/users/1"
		tg.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	}

	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	i := 0
	for b.Loop() {
		<-tick.C
		for k := range targets {
			tg := targets[(i+k)%len(targets)]
			start := time.Now()
			resp, err := tg.client.Get(tg.url)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode != 200 {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			tg.lat = append(tg.lat, time.Since(start))
			if err != nil {
				tg.errs++
			}
		}
		i++
	}
	b.StopTimer()

	pct := func(d []time.Duration, p float64) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[min(len(s)-1, int(float64(len(s))*p))]
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	off50, off99 := pct(targets[0].lat, 0.50), pct(targets[0].lat, 0.99)
	b.Logf("%d requests per front at %d/s", len(targets[0].lat), rate)
	b.Logf("| front | p50 | p99 | added p50 | added p99 | errors | mirrored | dropped (queue full) | copies timed out | copies failed |")
	b.Logf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, tg := range targets {
		p50, p99 := pct(tg.lat, 0.50), pct(tg.lat, 0.99)
		var st MirrorStats
		if tg.m != nil {
			st = tg.m.Stats()
		}
		b.Logf("| %s | %.0f µs | %.0f µs | %+.0f µs | %+.0f µs | %d | %d | %d | %d | %d |", tg.name, us(p50), us(p99),
			us(p50-off50), us(p99-off99), tg.errs, st.Mirrored, st.QueueFull,
			st.CandidateTimedOut+st.SecondaryTimedOut, st.CandidateFailed+st.SecondaryFailed)
		key := strings.ReplaceAll(tg.name, " ", "-")
		b.ReportMetric(us(p50), key+"-p50-µs")
		b.ReportMetric(us(p99), key+"-p99-µs")
		b.ReportMetric(float64(tg.errs), key+"-errors")
	}
}
