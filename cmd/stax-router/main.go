// Command stax-router is the HTTP-aware front of pkg/front as its own
// binary: the kubernetes runtime runs it in a baseline's namespace before
// each Service an overlay changes. Requests carrying an overlay's routing
// key (docs/branching.md, "Routing by key") go to that overlay's Service,
// every other request to the baseline's pods.
//
//	stax-router --service api --listen :8080 \
//	  --default stax-baseline-api.stax-acme-shop.svc:8080 \
//	  --routes /etc/stax-router
//
// --routes is a directory with one file per overlay (its name) holding the
// address of the overlay's Service, as the mounted ConfigMap stax-router-<svc>
// has; it is read again every --reload, so routes come and go without a
// restart.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/microstax/stax/pkg/front"
)

type config struct {
	service, listen, def, routes string
	reload                       time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.service, "service", "", "the service this router fronts, for logs and error bodies")
	flag.StringVar(&c.listen, "listen", ":8080", "address to listen on")
	flag.StringVar(&c.def, "default", "", "host:port of the baseline's own pods (required)")
	flag.StringVar(&c.routes, "routes", "", "directory of routes: a file per overlay holding its host:port")
	flag.DurationVar(&c.reload, "reload", 2*time.Second, "how often the routes directory is read again")
	flag.Parse()
	log.SetFlags(0)
	if c.def == "" {
		log.Fatal("--default is required")
	}
	l, err := net.Listen("tcp", c.listen)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, c, l); err != nil {
		log.Fatal(err)
	}
}

// run serves the router on l until ctx ends.
func run(ctx context.Context, c config, l net.Listener) error {
	routes := front.NewTable()
	f := front.New(c.service, func() []string { return []string{c.def} }, routes)
	if c.routes != "" {
		reload := func() {
			if _, err := front.LoadRoutesDir(routes, c.routes); err != nil {
				log.Printf("routes: %v", err)
			}
		}
		reload()
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(c.reload):
					reload()
				}
			}
		}()
	}
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 30 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("stax-router %s on %s, default %s", c.service, l.Addr(), c.def)
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
