package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func named(t *testing.T, name string) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, name) }))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

func ask(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if len(header) == 2 {
		req.Header.Set(header[0], header[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The router as the kubernetes runtime runs it, in process: routes from a
// directory laid out as a mounted ConfigMap, real HTTP servers behind.
func TestRouterRoutesByKey(t *testing.T) {
	dir := t.TempDir()
	// The kubelet's own entries start with dots and are not routes.
	if err := os.Mkdir(filepath.Join(dir, "..data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "feature"), []byte(named(t, "overlay-api")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{service: "api", def: named(t, "baseline-api"), routes: dir, reload: time.Hour}, l)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	url := "http://" + l.Addr().String() + "/"

	for _, tc := range []struct {
		header []string
		code   int
		want   string
	}{
		{nil, 200, "baseline-api"},
		{[]string{"Baggage", "stax-overlay=feature"}, 200, "overlay-api"},
		{[]string{"X-Stax-Overlay", "feature"}, 200, "overlay-api"},
		{[]string{"X-Stax-Overlay", "other"}, 200, "baseline-api"},
	} {
		if code, body := ask(t, url, tc.header...); code != tc.code || body != tc.want {
			t.Errorf("%v: %d %q, want %d %q", tc.header, code, body, tc.code, tc.want)
		}
	}
	if code, body := ask(t, url, "Baggage", "stax-overlay"); code != http.StatusBadRequest {
		t.Errorf("bad baggage: %d %q", code, body)
	}
}

func TestLoadRoutesDropsRemovedOverlays(t *testing.T) {
	// See pkg/front.LoadRoutesDir: a file removed from the ConfigMap is a
	// route removed.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), []byte("127.0.0.1:1"), 0o644)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{service: "api", def: named(t, "baseline-api"), routes: dir, reload: time.Millisecond}, l)
	}()
	defer func() { cancel(); <-done }()
	url := "http://" + l.Addr().String() + "/"
	// Routed to a dead address: 502 until the file goes.
	if code, _ := ask(t, url, "X-Stax-Overlay", "a"); code != http.StatusBadGateway {
		t.Fatalf("a dead overlay: %d", code)
	}
	os.Remove(filepath.Join(dir, "a"))
	for {
		if code, body := ask(t, url, "X-Stax-Overlay", "a"); code == 200 && body == "baseline-api" {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
