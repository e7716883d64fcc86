package controllermanager

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/front"
)

// The manager's /metrics shows what counts in its process: here the
// mirror counters of a front, as the local runtime's fronts count when
// the manager runs the runtime.
func TestServeMetrics(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer backend.Close()
	addr := func() []string { return []string{backend.Listener.Addr().String()} }
	f := front.New("api", addr, nil)
	f.Mirrors = front.NewMirrorTable()
	done := make(chan diff.Exchange, 1)
	f.Mirrors.Set("feature", &front.Mirror{Percent: 100, Organization: "manager-metrics",
		Secondary: addr, Candidate: addr, Sink: func(e diff.Exchange) { done <- e }})
	fs := httptest.NewServer(f)
	defer fs.Close()
	defer f.Close()
	if resp, err := http.Get(fs.URL); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("nothing mirrored")
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serveMetrics(ctx, l)
	get := func(path string) string {
		resp, err := http.Get("http://" + l.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if want := `stax_shadow_mirrored_total{organization="manager-metrics",overlay="feature",service="api"} 1`; !strings.Contains(get("/metrics"), want) {
		t.Errorf("/metrics lacks %s", want)
	}
	if got := get("/healthz"); got != "ok" {
		t.Errorf("/healthz: %q", got)
	}
}
