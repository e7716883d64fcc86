// Command stax-shadow is the mirroring front of pkg/front as its own
// binary, for the kubernetes runtime: placed before a baseline's Service,
// it answers every request from the baseline's pods (--default) exactly as
// they answer, and copies a sample of them, after they answered, to a
// second instance of the baseline's version (--secondary) and to the
// overlay's version (--candidate). Each request with its three answers (a
// diff.Exchange) is compared by a diff engine with the overlay's ignore
// rules and thresholds (--ignore-path, --relative, ...), whose report is
// published every --publish-interval, and once more at the end, to the
// overlay's EnvironmentDiff with the credential of --kubeconfig (a diff
// writer's); and, with --exchanges, written as one JSON line. After a
// restart the engine continues the stored report. docs/shadow.md,
// "Mirroring" and "On the kubernetes runtime".
//
//	stax-shadow --service api --organization acme --overlay feature \
//	  --listen :8080 --metrics-listen :9090 \
//	  --default stax-baseline-api.stax-acme-shop.svc:8080 \
//	  --secondary api-secondary.stax-acme-feature.svc:8080 \
//	  --candidate api.stax-acme-feature.svc:8080 \
//	  --percent 10 --methods GET,HEAD \
//	  --kubeconfig /etc/stax-shadow/kubeconfig --ignore-header Date
//
// Its counters (stax_shadow_*) and /healthz are on --metrics-listen, apart
// from the service's own paths.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/component-base/metrics/legacyregistry"

	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/diffflag"
	"github.com/microstax/stax/pkg/diffpublish"
	"github.com/microstax/stax/pkg/front"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

type config struct {
	service, organization, overlay string
	listen, metricsListen          string
	def, secondary, candidate      string
	percent                        int
	methods                        []string
	allowUnsafe                    bool
	maxRequests                    int64
	duration                       time.Duration
	until                          time.Time
	exchanges                      string
	limits                         front.MirrorLimits

	// Comparing and publishing: the engine's options, where the API is,
	// the overlay's namespace (empty: the kubeconfig's), how often.
	compare         diff.Options
	kubeconfig      string
	namespace       string
	publishInterval time.Duration
}

// parse reads the flags of args; errors name the flag.
func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("stax-shadow", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.service, "service", "", "the service fronted, for metrics and error bodies (required)")
	fs.StringVar(&c.organization, "organization", "", "the overlay's organization, for metrics")
	fs.StringVar(&c.overlay, "overlay", "", "the overlay the copies are for (required)")
	fs.StringVar(&c.listen, "listen", ":8080", "address to serve the service on")
	fs.StringVar(&c.metricsListen, "metrics-listen", "", "address to serve /metrics and /healthz on (empty: none)")
	fs.StringVar(&c.def, "default", "", "host:port of the baseline's pods, the primary (required)")
	fs.StringVar(&c.secondary, "secondary", "", "host:port of the second instance of the baseline's version (required)")
	fs.StringVar(&c.candidate, "candidate", "", "host:port of the overlay's version (required)")
	fs.IntVar(&c.percent, "percent", 100, "percent of the requests mirrored, 0 to 100")
	methods := fs.String("methods", strings.Join(front.DefaultMirrorMethods, ","), "methods mirrored, comma-separated")
	fs.BoolVar(&c.allowUnsafe, "allow-unsafe", false, "mirror the unsafe methods of --methods too (a mirrored write reaches what the candidate shares with the baseline)")
	fs.Int64Var(&c.maxRequests, "max-requests", 0, "stop mirroring after this many requests (0: no limit)")
	fs.DurationVar(&c.duration, "duration", 0, "stop mirroring this long after the start (0: no limit)")
	until := fs.String("until", "", "stop mirroring at this RFC 3339 time, the same across restarts (the kubernetes runtime's limit; not with --duration)")
	fs.StringVar(&c.exchanges, "exchanges", "", "file to append the exchanges to as JSON lines (-: standard output; empty: none)")
	fs.StringVar(&c.kubeconfig, "kubeconfig", "", "kubeconfig of a diff writer's credential: compare the exchanges and publish the report to the overlay's EnvironmentDiff (empty: no comparing)")
	fs.StringVar(&c.namespace, "namespace", "", "the overlay's namespace, its organization (empty: the kubeconfig's)")
	fs.DurationVar(&c.publishInterval, "publish-interval", diffpublish.DefaultInterval, "how often the report is published")
	diffflag.Register(fs, &c.compare)
	fs.IntVar(&c.limits.Workers, "workers", 0, "workers sending copies (0: the front's default)")
	fs.IntVar(&c.limits.Queue, "queue", 0, "mirrored requests that may wait for a worker; more are dropped (0: the front's default)")
	fs.DurationVar(&c.limits.Timeout, "timeout", 0, "timeout of a copy (0: the front's default)")
	fs.IntVar(&c.limits.MaxBody, "max-body", 0, "bound of a mirrored request body and of each answer kept, in bytes (0: the front's default)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"service", c.service}, {"overlay", c.overlay}, {"default", c.def},
		{"secondary", c.secondary}, {"candidate", c.candidate}} {
		if f.v == "" {
			missing = append(missing, "--"+f.name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("%s required", strings.Join(missing, ", "))
	}
	if *until != "" {
		t, err := time.Parse(time.RFC3339, *until)
		if err != nil {
			return c, fmt.Errorf("--until: %w", err)
		}
		if c.duration != 0 {
			return c, errors.New("--until and --duration are exclusive")
		}
		c.until = t
	}
	if c.kubeconfig == "" && c.exchanges == "" {
		return c, errors.New("nothing receives the exchanges: give --kubeconfig (compare and publish) or --exchanges, or both")
	}
	if c.publishInterval <= 0 {
		return c, fmt.Errorf("--publish-interval %v is not positive", c.publishInterval)
	}
	if o := c.compare; o.Relative < 0 || o.MinRawRate < 0 || o.MinRaw < 0 || o.MinExcessRate < 0 {
		return c, errors.New("--relative, --min-raw-rate, --min-raw and --min-excess-rate are not negative")
	}
	if c.percent < 0 || c.percent > 100 {
		return c, fmt.Errorf("--percent %d is not between 0 and 100", c.percent)
	}
	for _, m := range strings.Split(*methods, ",") {
		if m = strings.TrimSpace(m); m != "" {
			c.methods = append(c.methods, m)
		}
	}
	if len(c.methods) == 0 {
		return c, errors.New("--methods lists no method")
	}
	return c, nil
}

func main() {
	log.SetFlags(0)
	c, err := parse(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Printf("stax-shadow: %v", err)
		os.Exit(2)
	}
	var out io.Writer
	switch c.exchanges {
	case "":
	case "-":
		out = os.Stdout
	default:
		f, err := os.OpenFile(c.exchanges, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		out = f
	}
	var pub *diffpublish.Publisher
	if c.kubeconfig != "" {
		if pub, err = publisher(c); err != nil {
			log.Fatalf("--kubeconfig: %v", err)
		}
	}
	l, err := net.Listen("tcp", c.listen)
	if err != nil {
		log.Fatal(err)
	}
	var ml net.Listener
	if c.metricsListen != "" {
		if ml, err = net.Listen("tcp", c.metricsListen); err != nil {
			log.Fatal(err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, c, l, ml, out, pub); err != nil {
		log.Fatal(err)
	}
}

// publisher is the engine of c's service, publishing with the credential
// of c.kubeconfig, continued from the stored report of the overlay's
// current window. A failed read of it starts an empty window: what is
// stored stays until the first publish replaces this service's endpoints.
func publisher(c config) (*diffpublish.Publisher, error) {
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: c.kubeconfig}, &clientcmd.ConfigOverrides{})
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, err
	}
	ns := c.namespace
	if ns == "" {
		if ns, _, err = loader.Namespace(); err != nil {
			return nil, err
		}
	}
	client, err := versioned.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	p := diffpublish.NewPublisher(client, ns, c.overlay, "", c.compare)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Continue(ctx, c.service); err != nil {
		log.Printf("stax-shadow: the stored diffs of %s/%s not continued: %v", ns, c.overlay, err)
	} else if n := p.Requests(); n > 0 {
		log.Printf("stax-shadow: continuing %d compared requests of %s/%s", n, ns, c.overlay)
	}
	return p, nil
}

// run serves the front on l (and the metrics on ml, if set) until ctx
// ends, writing exchanges to out and comparing them in pub (either may be
// nil). pub publishes every c.publishInterval and once more after the
// front's last copies.
func run(ctx context.Context, c config, l, ml net.Listener, out io.Writer, pub *diffpublish.Publisher) error {
	f := front.New(c.service, func() []string { return []string{c.def} }, nil)
	f.MirrorLimits = c.limits
	f.Mirrors = front.NewMirrorTable()
	m := &front.Mirror{Percent: c.percent, Methods: c.methods, AllowUnsafe: c.allowUnsafe,
		MaxRequests: c.maxRequests, Organization: c.organization,
		Secondary: func() []string { return []string{c.secondary} },
		Candidate: func() []string { return []string{c.candidate} },
		Sink:      sink(c.service, out, pub)}
	if c.duration > 0 {
		m.Until = time.Now().Add(c.duration)
	}
	if !c.until.IsZero() {
		m.Until = c.until
	}
	f.Mirrors.Set(c.overlay, m)
	publishing, stopPublishing := context.WithCancel(context.Background())
	published := make(chan struct{})
	go func() {
		defer close(published)
		if pub != nil {
			pub.Run(publishing, c.publishInterval)
		}
	}()
	defer func() {
		f.Close() // the workers' last exchanges are in the engine
		stopPublishing()
		<-published
	}()

	servers := []*http.Server{{Handler: f, ReadHeaderTimeout: 30 * time.Second}}
	listeners := []net.Listener{l}
	if ml != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", legacyregistry.Handler())
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
		servers = append(servers, &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second})
		listeners = append(listeners, ml)
		log.Printf("stax-shadow metrics on %s", ml.Addr())
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, s := range servers {
			_ = s.Shutdown(shutdown)
		}
	}()
	log.Printf("stax-shadow %s on %s, default %s, secondary %s, candidate %s for overlay %s, %d%%",
		c.service, l.Addr(), c.def, c.secondary, c.candidate, c.overlay, c.percent)
	errs := make(chan error, len(servers))
	for i, s := range servers {
		go func() { errs <- s.Serve(listeners[i]) }()
	}
	var first error
	for range servers {
		if err := <-errs; !errors.Is(err, http.ErrServerClosed) && first == nil {
			first = err
			for _, s := range servers {
				s.Close()
			}
		}
	}
	return first
}

// sink hands each exchange to pub, compared as service's, and writes it
// as one JSON line to w; either may be nil.
func sink(service string, w io.Writer, pub *diffpublish.Publisher) func(diff.Exchange) {
	var mu sync.Mutex
	var enc *json.Encoder
	if w != nil {
		enc = json.NewEncoder(w)
	}
	return func(e diff.Exchange) {
		if pub != nil {
			pub.Add(service, e)
		}
		if enc == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if err := enc.Encode(e); err != nil {
			log.Printf("exchanges: %v", err)
		}
	}
}
