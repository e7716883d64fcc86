// Command stax-stub serves a stub of an OpenAPI document (pkg/stub): every
// operation answers with the document's examples or values generated from
// its schemas, and requests are validated against it.
//
// The document comes from a file (--document, gzip is recognised) or from a
// Stub object through the API (--stub namespace/name, see reader.go). It
// listens on --listen, else 127.0.0.1:$PORT (the local runtime's port),
// else a port the kernel picks, and prints the address. Besides the
// document's paths it answers
//
//	GET /_stub/healthz  200 once the stub is ready
//	GET /_stub/report   JSON: operations, warnings and errors of the document
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/microstax/stax/pkg/runtime"
	"github.com/microstax/stax/pkg/stub"
)

type config struct {
	document   string
	stub       string
	kubeconfig string
	listen     string
	seed       uint64
	stateful   bool
}

func main() {
	var c config
	flag.StringVar(&c.document, "document", "", "OpenAPI document to serve (JSON or YAML, may be gzipped)")
	flag.StringVar(&c.stub, "stub", "", "Stub object to serve, namespace/name, read through the API")
	flag.StringVar(&c.kubeconfig, "kubeconfig", "", "kubeconfig for --stub (default $KUBECONFIG)")
	flag.StringVar(&c.listen, "listen", "", "address to listen on (default 127.0.0.1:$PORT, else 127.0.0.1:0)")
	flag.Uint64Var(&c.seed, "seed", 0, "seed of generated values")
	flag.BoolVar(&c.stateful, "stateful", false, "answer GETs with what POST and PUT stored")
	flag.Parse()
	log.SetOutput(os.Stdout)
	log.SetFlags(0)

	ctx := context.Background()
	data, opts, err := load(ctx, c)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	d, err := stub.Parse(ctx, data)
	if err != nil {
		log.Fatal(err)
	}
	h, err := newHandler(d, opts)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("stub of %q (%s): %d operations, %d warnings, %d errors, ready in %s",
		d.Spec.Info.Title, d.SourceVersion, len(d.Operations), len(d.Warnings), len(d.Errors), time.Since(start).Round(time.Millisecond))
	for _, e := range d.Errors {
		log.Printf("error at %s: %s", e.Pointer, e.Message)
	}

	addr := c.listen
	if addr == "" {
		addr = "127.0.0.1:0"
		if p := os.Getenv(runtime.EnvPort); p != "" {
			addr = "127.0.0.1:" + p
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", l.Addr())
	log.Fatal(http.Serve(l, logged(h)))
}

// load reads the document from the file or the API; a Stub's spec
// supplies the seed and mode unless the flags set them.
func load(ctx context.Context, c config) ([]byte, stub.Options, error) {
	opts := stub.Options{Seed: c.seed, Stateful: c.stateful}
	switch {
	case c.document != "" && c.stub != "":
		return nil, opts, fmt.Errorf("--document and --stub are exclusive")
	case c.document != "":
		b, err := os.ReadFile(c.document)
		if err != nil {
			return nil, opts, err
		}
		b, err = gunzip(b)
		return b, opts, err
	case c.stub != "":
		return fromAPI(ctx, c, opts)
	}
	return nil, opts, fmt.Errorf("give --document or --stub")
}

func gunzip(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	z, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}

// newHandler serves the stub and its own two paths.
func newHandler(d *stub.Document, opts stub.Options) (http.Handler, error) {
	srv, err := stub.NewServer(d, opts)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_stub/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /_stub/report", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"title": d.Spec.Info.Title, "version": d.SourceVersion,
			"operations": d.Operations, "warnings": d.Warnings, "errors": d.Errors,
		})
	})
	mux.Handle("/", srv)
	return mux, nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		log.Printf("%s %s %d", r.Method, r.URL.RequestURI(), sw.status)
	})
}
