package hacluster

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// HAProxy is a running haproxy in TCP passthrough in front of
// stax-apiservers.
type HAProxy struct {
	*Process
	// URL is the frontend, Port its port.
	URL  string
	Port int

	backends []string
	socket   string
}

// StartHAProxy runs binary (empty: haproxy on PATH) in front of backends
// (https URLs of replicas presenting certificates of caFile), its
// configuration, log and stats socket in dir, and waits until /readyz
// answers through it.
func StartHAProxy(ctx context.Context, dir, binary, caFile string, backends []string) (*HAProxy, error) {
	if binary == "" {
		var err error
		if binary, err = exec.LookPath("haproxy"); err != nil {
			return nil, fmt.Errorf("haproxy is required on PATH (Debian: apt-get install -y haproxy): %w", err)
		}
	}
	h := &HAProxy{Port: freePort(), backends: backends, socket: filepath.Join(dir, "haproxy.sock")}
	h.URL = "https://127.0.0.1:" + strconv.Itoa(h.Port)
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(h.config()), 0o600); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o700); err != nil {
		return nil, err
	}
	// -db: foreground, logs on stderr.
	h.Process = NewProcess("haproxy", filepath.Join(dir, "logs", "haproxy.log"), exec.Command(binary, "-db", "-f", cfgPath))
	if err := h.Start(); err != nil {
		return nil, err
	}
	hc, err := anonymousClient(caFile)
	if err != nil {
		h.Stop()
		return nil, err
	}
	if err := waitFor(ctx, 3*time.Minute, h.Process, "/readyz through HAProxy", func(ctx context.Context) bool {
		body, err := get(ctx, hc, h.URL+"/readyz")
		return err == nil && body == "ok"
	}); err != nil {
		h.Stop()
		return nil, err
	}
	return h, nil
}

// config passes TCP through to the replicas, checking each with GET
// /readyz over TLS every second (three failures in a row take it out); a
// connection to a dead replica is redispatched to another.
func (h *HAProxy) config() string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 2000
    stats socket %s mode 600 level admin

defaults
    mode tcp
    timeout connect 2s
    # /readyz checks etcd: on a loaded box it can take a second.
    timeout check 2s
    timeout client 1h
    timeout server 1h
    retries 3
    option redispatch

frontend stax
    bind 127.0.0.1:%d
    default_backend stax-apiservers

backend stax-apiservers
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
`, h.socket, h.Port)
	for i, u := range h.backends {
		fmt.Fprintf(&b, "    server stax%d %s check check-ssl verify none inter 1s fall 3 rise 2\n", i, strings.TrimPrefix(u, "https://"))
	}
	return b.String()
}

// BackendOf is the index of the backend HAProxy passes the connection
// from the local address src to.
func (h *HAProxy) BackendOf(src string) (int, error) {
	raw, err := h.command("show sess")
	if err != nil {
		return -1, err
	}
	for _, line := range strings.Split(raw, "\n") {
		if !strings.Contains(line, " src="+src+" ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "srv=stax"); ok {
				return strconv.Atoi(v)
			}
		}
	}
	return -1, fmt.Errorf("no HAProxy session from %s:\n%s", src, raw)
}

func (h *HAProxy) command(command string) (string, error) {
	conn, err := net.DialTimeout("unix", h.socket, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(command + "\n")); err != nil {
		return "", err
	}
	raw, err := io.ReadAll(conn)
	return string(raw), err
}
