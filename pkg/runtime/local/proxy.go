package local

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// proxy is the stable front address of a service: it accepts TCP
// connections and hands each to the next ready replica, round robin. It
// outlives replicas and replacements of the service, so dependents keep a
// valid <SERVICE>_URL.
type proxy struct {
	l        net.Listener
	backends func() []string // addresses of the ready replicas
	next     atomic.Uint64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	quit     chan struct{}
}

// listenProxy binds the front port; it tries port first (the one used
// before a Stop or restart) and falls back to any free port.
func listenProxy(port int, backends func() []string) (*proxy, error) {
	l, err := net.Listen("tcp", loopback(port))
	if err != nil && port != 0 {
		l, err = net.Listen("tcp", loopback(0))
	}
	if err != nil {
		return nil, err
	}
	p := &proxy{l: l, backends: backends, conns: map[net.Conn]struct{}{}, quit: make(chan struct{})}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

func (p *proxy) port() int { return p.l.Addr().(*net.TCPAddr).Port }

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c)
		}()
	}
}

// backendWait is how long a connection waits for a ready replica, so that
// a client connecting during a restart is served rather than refused.
const backendWait = 5 * time.Second

func (p *proxy) handle(c net.Conn) {
	if !p.track(c) {
		c.Close()
		return
	}
	defer p.untrack(c)
	deadline := time.Now().Add(backendWait)
	for {
		if b := p.pick(); b != "" {
			if up, err := net.DialTimeout("tcp", b, time.Second); err == nil {
				if p.track(up) {
					defer p.untrack(up)
					splice(c, up)
				} else {
					up.Close()
				}
				return
			}
		}
		if time.Now().After(deadline) {
			// No replica took it: reset rather than close, so the client
			// sees a refusal ("connection reset by peer"), not an answer
			// that happens to be empty.
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			return
		}
		select {
		case <-p.quit:
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *proxy) pick() string {
	bs := p.backends()
	if len(bs) == 0 {
		return ""
	}
	return bs[p.next.Add(1)%uint64(len(bs))]
}

// splice copies both ways and passes a half-close on, so that a client
// that closes its writing side still gets the whole answer.
func splice(a, b net.Conn) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	<-done
}

func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// close stops accepting, ends open connections and waits for its goroutines.
func (p *proxy) close() {
	p.l.Close()
	close(p.quit)
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}
