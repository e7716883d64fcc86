// Command etcd is a single-member etcd server for local control planes and
// tests: go.etcd.io/etcd/server/v3/embed behind the handful of flags that
// hack/local-up-aggregated.sh and the e2e tests pass. The real etcd binary is
// not a Go-installable module path, so this wrapper stands in for it.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"go.etcd.io/etcd/server/v3/embed"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "etcd:", err)
		os.Exit(1)
	}
}

func run() error {
	name := flag.String("name", "default", "Member name.")
	dataDir := flag.String("data-dir", "default.etcd", "Directory for the member's data.")
	listenClient := flag.String("listen-client-urls", "http://127.0.0.1:2379", "Comma-separated URLs to serve clients on.")
	advertiseClient := flag.String("advertise-client-urls", "", "Comma-separated client URLs to advertise (default: --listen-client-urls).")
	listenPeer := flag.String("listen-peer-urls", "http://127.0.0.1:2380", "Comma-separated URLs for peer traffic; one member still binds one.")
	logLevel := flag.String("log-level", "warn", "debug, info, warn, error.")
	quota := flag.Int64("quota-backend-bytes", 8<<30, "Backend size limit in bytes.")
	flag.Parse()

	cfg := embed.NewConfig()
	cfg.Name = *name
	cfg.Dir = *dataDir
	cfg.LogLevel = *logLevel
	cfg.QuotaBackendBytes = *quota
	var err error
	if cfg.ListenClientUrls, err = parseURLs(*listenClient); err != nil {
		return fmt.Errorf("--listen-client-urls: %w", err)
	}
	cfg.AdvertiseClientUrls = cfg.ListenClientUrls
	if *advertiseClient != "" {
		if cfg.AdvertiseClientUrls, err = parseURLs(*advertiseClient); err != nil {
			return fmt.Errorf("--advertise-client-urls: %w", err)
		}
	}
	if cfg.ListenPeerUrls, err = parseURLs(*listenPeer); err != nil {
		return fmt.Errorf("--listen-peer-urls: %w", err)
	}
	cfg.AdvertisePeerUrls = cfg.ListenPeerUrls
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return err
	}
	defer e.Close()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-e.Server.ReadyNotify():
		// Callers wait for this line (or poll /health) before starting clients.
		fmt.Fprintln(os.Stderr, "etcd: ready to serve clients on", strings.Join(urlStrings(cfg.AdvertiseClientUrls), ","))
	case err := <-e.Err():
		return err
	case <-sig:
		return nil
	}
	select {
	case err := <-e.Err():
		return err
	case <-sig:
		return nil
	}
}

func parseURLs(s string) ([]url.URL, error) {
	var out []url.URL
	for _, part := range strings.Split(s, ",") {
		u, err := url.Parse(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, nil
}

func urlStrings(us []url.URL) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.String()
	}
	return out
}
