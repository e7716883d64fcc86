package controllermanager

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"
)

// serveMetrics serves the process's legacy registry on /metrics (the
// controllers' work queues, the local runtime's mirror counters) and
// /healthz, on l until ctx ends. Every replica serves, leader or not. It
// is plain HTTP without authentication, as a pod's metrics port usually
// is: bind it to loopback or to an address only the scraper reaches.
func serveMetrics(ctx context.Context, l net.Listener) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", legacyregistry.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	go func() {
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			klog.ErrorS(err, "Metrics server ended", "address", l.Addr().String())
		}
	}()
}
