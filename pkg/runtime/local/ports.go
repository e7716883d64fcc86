package local

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// portPool hands out free loopback ports for replicas. The kernel's port is
// free when returned but not reserved until the replica binds it, and the
// kernel may offer it again meanwhile; the pool never gives out a port it
// has not had back. Another program may still take it first: the replica
// then fails, and gets new ports when it restarts.
type portPool struct {
	mu    sync.Mutex
	inUse map[int]bool
}

func (p *portPool) take() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inUse == nil {
		p.inUse = map[int]bool{}
	}
	for range 100 {
		port, err := freePort()
		if err != nil {
			return 0, err
		}
		if !p.inUse[port] {
			p.inUse[port] = true
			return port, nil
		}
	}
	return 0, errors.New("no free port")
}

func (p *portPool) release(ports []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, port := range ports {
		delete(p.inUse, port)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func loopback(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
