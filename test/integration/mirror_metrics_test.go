package integration

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/front"
)

// The mirror's counters are on stax-apiserver's /metrics: the local
// runtime's fronts run in its process and count in its legacy registry.
// A front in this process stands for them (the API's spec.shadow is not
// there yet to make the runtime mirror).
func TestMirrorCountersOnAPIServerMetrics(t *testing.T) {
	s := startInProcess(t, storeOnly)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer backend.Close()
	addr := func() []string { return []string{backend.Listener.Addr().String()} }
	f := front.New("api", addr, nil)
	f.Mirrors = front.NewMirrorTable()
	done := make(chan diff.Exchange, 1)
	f.Mirrors.Set("feature", &front.Mirror{Percent: 100, Organization: "integration-metrics",
		Secondary: addr, Candidate: func() []string { return nil }, Sink: func(e diff.Exchange) { done <- e }})
	fs := httptest.NewServer(f)
	defer fs.Close()
	defer f.Close()
	resp, err := http.Get(fs.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("nothing mirrored")
	}

	body, err := s.Client.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	labels := `organization="integration-metrics",overlay="feature",service="api"`
	for _, want := range []string{
		"# TYPE stax_shadow_mirrored_total counter",
		`stax_shadow_mirrored_total{` + labels + `} 1`,
		`stax_shadow_failed_total{` + labels + `,target="candidate"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("stax-apiserver's /metrics lacks %s", want)
		}
	}
}
