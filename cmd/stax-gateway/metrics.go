package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"
)

// serveMetrics serves the gateway's counters (pkg/gateway/metrics.go) on
// /metrics at addr until ctx ends: plain HTTP without authentication, apart
// from the API's listener, so that the API's callers never see it. Bind it
// to loopback or to an address only the scraper reaches.
func serveMetrics(ctx context.Context, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--metrics-bind-address: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", legacyregistry.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			klog.ErrorS(err, "Metrics server ended", "address", l.Addr().String())
		}
	}()
	klog.InfoS("Serving metrics", "address", l.Addr().String())
	return nil
}
