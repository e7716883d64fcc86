package local

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/front"
)

// BenchmarkFrontLatency measures one GET through each kind of front, side
// by side in one run, against a real backend on loopback: straight to the
// backend, through the TCP front (per connection) and through the HTTP
// front (per request, with a routing table). Each client keeps its
// connection alive, as a service's client does. An op is one request to
// each; the metrics are the time per request of each and their ratio.
func BenchmarkFrontLatency(b *testing.B) {
	var conns atomic.Int64
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	backend.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	backend.Start()
	defer backend.Close()
	addr := backend.Listener.Addr().String()
	backends := func() []string { return []string{addr} }

	tcp, err := listenProxy(0, backends)
	if err != nil {
		b.Fatal(err)
	}
	defer tcp.close()
	routes := front.NewTable()
	routes.Set("other-overlay", func() []string { return nil })
	hf, err := listenHTTPFront(0, "bench", backends, routes, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer hf.close()

	targets := []struct{ name, addr string }{
		{"direct", addr},
		{"tcp", loopback(tcp.port())},
		{"http", loopback(hf.port())},
	}
	clients := make([]*http.Client, len(targets))
	for i := range clients {
		clients[i] = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		defer clients[i].CloseIdleConnections()
	}
	// Interleaved, one request to each per iteration, so that the load of
	// a shared machine weighs on the three alike.
	spent := make([]time.Duration, len(targets))
	before := conns.Load()
	for b.Loop() {
		for i, tg := range targets {
			start := time.Now()
			resp, err := clients[i].Get("http://" + tg.addr + "/")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			spent[i] += time.Since(start)
			if resp.StatusCode != 200 {
				b.Fatalf("%s: status %d", tg.name, resp.StatusCode)
			}
		}
	}
	for i, tg := range targets {
		b.ReportMetric(float64(spent[i].Nanoseconds())/float64(b.N), tg.name+"-ns/req")
	}
	b.ReportMetric(float64(spent[2])/float64(spent[1]), "http/tcp")
	// Connections the backend accepted: keep-alive keeps it near 0.
	b.ReportMetric(float64(conns.Load()-before)/float64(b.N), "backend-conns/op")
}
