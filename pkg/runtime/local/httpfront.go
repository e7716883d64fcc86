package local

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/microstax/stax/pkg/front"
)

// frontend is the stable address of a service: a TCP proxy, or an HTTP
// front for a port that speaks HTTP.
type frontend interface {
	port() int
	close()
	http() bool
}

func (p *proxy) http() bool { return false }

// httpFront serves a front.Front on the service's stable port: requests
// are balanced one by one, routed by key (routes) to overlays and
// mirrored (mirrors) to the overlays that shadow the service.
type httpFront struct {
	l   net.Listener
	f   *front.Front
	srv *http.Server
	end chan struct{}
}

func listenHTTPFront(port int, name string, backends func() []string, routes *front.Table, mirrors *front.MirrorTable) (*httpFront, error) {
	l, err := net.Listen("tcp", loopback(port))
	if err != nil && port != 0 {
		l, err = net.Listen("tcp", loopback(0))
	}
	if err != nil {
		return nil, err
	}
	f := front.New(name, backends, routes)
	// As the TCP proxy: a request during a restart waits for a replica.
	f.Wait = backendWait
	f.Mirrors = mirrors
	h := &httpFront{l: l, f: f, end: make(chan struct{}),
		srv: &http.Server{Handler: f, ReadHeaderTimeout: 30 * time.Second}}
	go func() {
		defer close(h.end)
		if err := h.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return
		}
	}()
	return h, nil
}

func (h *httpFront) port() int  { return h.l.Addr().(*net.TCPAddr).Port }
func (h *httpFront) http() bool { return true }

// close stops accepting and ends open connections, as the TCP proxy does.
func (h *httpFront) close() {
	h.srv.Close()
	<-h.end
	h.f.Close()
}
