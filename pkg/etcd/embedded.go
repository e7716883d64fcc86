// Package etcd runs an etcd member inside the server process, for a laptop
// or CI where no etcd cluster exists. Data lives in a directory and survives
// restarts.
package etcd

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// Config says where the embedded member keeps its data and listens.
type Config struct {
	// DataDir holds the member's data; it is created if missing.
	DataDir string
	// ClientPort on 127.0.0.1; 0 picks a free port.
	ClientPort int
	// StartTimeout bounds how long Start waits for the member to be ready.
	StartTimeout time.Duration
}

// Server is a running embedded etcd member.
type Server struct {
	etcd      *embed.Etcd
	clientURL string
}

// Start launches the member and waits until it serves clients.
func Start(cfg Config) (*Server, error) {
	clientPort, err := portOrFree(cfg.ClientPort)
	if err != nil {
		return nil, err
	}
	peerPort, err := portOrFree(0)
	if err != nil {
		return nil, err
	}
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}

	ec := embed.NewConfig()
	ec.Name = "stax"
	ec.Dir = filepath.Join(cfg.DataDir, "etcd")
	ec.ListenClientUrls = []url.URL{clientURL}
	ec.AdvertiseClientUrls = []url.URL{clientURL}
	ec.ListenPeerUrls = []url.URL{peerURL}
	ec.AdvertisePeerUrls = []url.URL{peerURL}
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	ec.LogLevel = "error"
	// The apiserver compacts history itself; keep etcd's own defaults for
	// snapshots and let the backend grow to 8 GiB like a production member.
	ec.QuotaBackendBytes = 8 << 30

	e, err := embed.StartEtcd(ec)
	if err != nil {
		return nil, fmt.Errorf("starting embedded etcd in %s: %w", ec.Dir, err)
	}
	timeout := cfg.StartTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedded etcd failed: %w", err)
	case <-time.After(timeout):
		e.Close()
		return nil, fmt.Errorf("embedded etcd not ready after %s", timeout)
	}
	return &Server{etcd: e, clientURL: clientURL.String()}, nil
}

// ClientURL is the address clients reach the member on.
func (s *Server) ClientURL() string { return s.clientURL }

// Err reports a fatal error of the running member.
func (s *Server) Err() <-chan error { return s.etcd.Err() }

// Close stops the member, flushing its data.
func (s *Server) Close() { s.etcd.Close() }

func portOrFree(port int) (int, error) {
	if port != 0 {
		return port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
