package local

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/microstax/stax/pkg/front"
)

// BenchmarkFrontLatency measures one GET through each kind of front, side
// by side in one run, against a real backend on loopback: straight to the
// backend, through the TCP front (per connection) and through the HTTP
// front (per request, with a routing table). The client keeps its
// connection alive, as a service's client does.
func BenchmarkFrontLatency(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
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
	hf, err := listenHTTPFront(0, "bench", backends, routes)
	if err != nil {
		b.Fatal(err)
	}
	defer hf.close()

	for _, tc := range []struct{ name, addr string }{
		{"direct", addr},
		{"tcp-front", loopback(tcp.port())},
		{"http-front", loopback(hf.port())},
	} {
		b.Run(tc.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer client.CloseIdleConnections()
			url := "http://" + tc.addr + "/"
			for b.Loop() {
				resp, err := client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
