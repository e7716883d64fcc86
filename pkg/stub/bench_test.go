package stub

import (
	"context"
	"net/http/httptest"
	"runtime"
	"testing"
)

// BenchmarkGenerateGitHub is the generation of the largest testdata
// document, GitHub's (13 MB, 1223 operations): parse, validate, and prepare
// every operation's default answer. It reports the heap in use once the
// stub is ready besides the allocations.
//
//	go test ./pkg/stub -run '^$' -bench GenerateGitHub -benchtime 3x -benchmem
func BenchmarkGenerateGitHub(b *testing.B) {
	data := readTestdata(b, "api.github.com.json.gz")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	var heap uint64
	for b.Loop() {
		d, err := Parse(context.Background(), data)
		if err != nil {
			b.Fatal(err)
		}
		srv, err := NewServer(d, Options{})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		heap = max(heap, m.HeapInuse)
		runtime.KeepAlive(srv)
	}
	b.ReportMetric(float64(heap)/(1<<20), "MiB-heap-ready")
}

// BenchmarkServeGitHub is one request to a prepared GitHub stub, in process
// (no network): routing, request validation, the prepared answer.
func BenchmarkServeGitHub(b *testing.B) {
	d := parseTestdata(b, "api.github.com.json.gz")
	srv, err := NewServer(d, Options{})
	if err != nil {
		b.Fatal(err)
	}
	req, err := d.SampleRequest(Operation{Method: "GET", Path: "/repos/{owner}/{repo}/issues/{issue_number}"}, "http://127.0.0.1", 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req.Clone(context.Background()))
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
