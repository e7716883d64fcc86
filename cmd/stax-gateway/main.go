// Command stax-gateway serves the /v1 REST API of MicroStax in front of
// stax-apiserver.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/gateway"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

func main() {
	listen := pflag.String("listen", "127.0.0.1:3000", "address to serve the /v1 API on")
	kubeconfig := pflag.String("kubeconfig", "", "kubeconfig of stax-apiserver: its server URL and CA reach the apiserver for callers (with their own tokens); its credentials only ask whether the apiserver is ready")
	certFile := pflag.String("tls-cert-file", "", "serve HTTPS with this certificate (with --tls-private-key-file); plain HTTP when empty")
	keyFile := pflag.String("tls-private-key-file", "", "private key of --tls-cert-file")
	unauth := pflag.Int("unauthenticated-requests-per-minute", 60, "per client address, requests refused before their token verified")
	proxies := pflag.StringSlice("trusted-proxies", nil, "addresses or CIDRs of reverse proxies in front of the gateway: "+
		"from them, the client address of the unauthenticated limit is read from X-Forwarded-For")
	cors := pflag.StringSlice("cors-allowed-origins", nil, "regular expressions of the origins whose browser pages may call the API, "+
		"as kube-apiserver's flag (e.g. '//localhost(:|$)'); none by default")
	metricsAddr := pflag.String("metrics-bind-address", "", "address (host:port) to serve /metrics on, plain HTTP without authentication, "+
		"apart from --listen; empty: none")
	klogFlags := flag.NewFlagSet("klog", flag.ExitOnError)
	klog.InitFlags(klogFlags)
	pflag.CommandLine.AddGoFlagSet(klogFlags)
	pflag.Parse()

	if err := run(*listen, *kubeconfig, *certFile, *keyFile, *metricsAddr, *unauth, *cors, *proxies); err != nil {
		fmt.Fprintln(os.Stderr, "stax-gateway:", err)
		os.Exit(1)
	}
}

func run(listen, kubeconfig, certFile, keyFile, metricsAddr string, unauth int, cors, proxies []string) error {
	if kubeconfig == "" {
		return errors.New("--kubeconfig is required")
	}
	if (certFile == "") != (keyFile == "") {
		return errors.New("--tls-cert-file and --tls-private-key-file go together")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	admin, err := versioned.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if metricsAddr != "" {
		if err := serveMetrics(ctx, metricsAddr); err != nil {
			return err
		}
	}
	g, err := gateway.New(gateway.Config{Upstream: cfg, Admin: admin, UnauthenticatedRequestsPerMinute: unauth,
		CORSAllowedOrigins: cors, TrustedProxies: proxies})
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: listen, Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	klog.InfoS("Serving the /v1 API", "address", listen, "tls", certFile != "", "apiserver", cfg.Host)
	if certFile != "" {
		err = srv.ListenAndServeTLS(certFile, keyFile)
	} else {
		err = srv.ListenAndServe()
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
