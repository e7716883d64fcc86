// Command stax-demo-service is a small HTTP service for tests and examples
// of MicroStax environments.
//
// It listens on 127.0.0.1:$PORT and serves:
//
//	GET /healthz  200, or 503 during -unhealthy-for after start or always with -fail-health
//	GET /         JSON: its name and version, for every environment variable
//	              ending in _URL what a GET of that URL answered, and the
//	              chain of {service, version} that served the request
//
// It propagates the routing key (docs/branching.md, "Routing by key"): the
// baggage and X-Stax-Overlay headers of a request go on every request it
// makes to its dependencies for it.
//
// It logs one line per request to stdout, a line every -tick if set, and
// exits with code 3 after -exit-after if set.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/microstax/stax/pkg/front"
	"github.com/microstax/stax/pkg/runtime"
)

type config struct {
	name         string
	version      string
	unhealthyFor time.Duration
	failHealth   bool
	tick         time.Duration
	exitAfter    time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.name, "name", "", "name to answer with (default $SERVICE_NAME, then $STAX_SERVICE)")
	flag.StringVar(&c.version, "version", os.Getenv("VERSION"), "version to answer with (default $VERSION)")
	flag.DurationVar(&c.unhealthyFor, "unhealthy-for", 0, "answer 503 on /healthz for this long after start")
	flag.BoolVar(&c.failHealth, "fail-health", false, "always answer 503 on /healthz")
	flag.DurationVar(&c.tick, "tick", 0, "log a line at this interval (0: never)")
	flag.DurationVar(&c.exitAfter, "exit-after", 0, "exit with code 3 after this long (0: never)")
	flag.Parse()
	if c.name == "" {
		c.name = os.Getenv("SERVICE_NAME")
	}
	if c.name == "" {
		c.name = os.Getenv("STAX_SERVICE")
	}
	log.SetOutput(os.Stdout)
	log.SetFlags(0)

	port := os.Getenv(runtime.EnvPort)
	if port == "" {
		log.Fatal(runtime.EnvPort + " is not set")
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("%s listening on %s", c.name, l.Addr())
	if c.tick > 0 {
		go func() {
			for t := range time.Tick(c.tick) {
				log.Printf("tick %s", t.UTC().Format(time.RFC3339Nano))
			}
		}()
	}
	if c.exitAfter > 0 {
		time.AfterFunc(c.exitAfter, func() {
			log.Printf("exiting with code 3 after %s", c.exitAfter)
			os.Exit(3)
		})
	}
	log.Fatal(http.Serve(l, newHandler(c, time.Now(), os.Environ())))
}

// answer is the JSON body of GET /.
type answer struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Chain is who served the request: this service, then the chains of
	// its upstreams in the order of their variables.
	Chain []hop `json:"chain"`
	// Upstreams maps each *_URL variable to what its URL answered.
	Upstreams map[string]upstream `json:"upstreams,omitempty"`
}

type hop struct {
	Service string `json:"service"`
	Version string `json:"version,omitempty"`
}

type upstream struct {
	URL    string          `json:"url"`
	Status int             `json:"status,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"`
	Error  string          `json:"error,omitempty"`
}

func newHandler(c config, started time.Time, environ []string) http.Handler {
	urls := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if _, dep := runtime.DependencyOf(k); dep && v != "" {
			urls[k] = v
		}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if c.failHealth || time.Since(started) < c.unhealthyFor {
			http.Error(w, "unhealthy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		a := answer{Name: c.name, Version: c.version, Chain: []hop{{Service: c.name, Version: c.version}}}
		keys := make([]string, 0, len(urls))
		for k := range urls {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if a.Upstreams == nil {
				a.Upstreams = map[string]upstream{}
			}
			u := get(r, client, urls[k])
			a.Upstreams[k] = u
			var inner answer
			if json.Unmarshal(u.Body, &inner) == nil {
				a.Chain = append(a.Chain, inner.Chain...)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(a)
	})
	return logRequests(mux)
}

// get asks an upstream on behalf of in, passing its routing key on.
func get(in *http.Request, client *http.Client, url string) upstream {
	u := upstream{URL: url}
	req, err := http.NewRequestWithContext(in.Context(), http.MethodGet, url, nil)
	if err != nil {
		u.Error = err.Error()
		return u
	}
	for _, h := range front.PropagatedHeaders {
		for _, v := range in.Header.Values(h) {
			req.Header.Add(h, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		u.Error = err.Error()
		return u
	}
	defer resp.Body.Close()
	u.Status = resp.StatusCode
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		u.Error = err.Error()
	} else if json.Valid(b) {
		u.Body = b
	} else {
		u.Body, _ = json.Marshal(string(b))
	}
	return u
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		log.Printf("%s %s %d", r.Method, r.URL.Path, sw.status)
	})
}
