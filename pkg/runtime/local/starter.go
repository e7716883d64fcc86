package local

import (
	"os/exec"
	goruntime "runtime"
	"syscall"
)

// starter starts every process from one goroutine locked to its OS thread.
// Pdeathsig is sent when the thread that forked the child exits, not when
// the process does; Go may end idle threads, so forking from arbitrary
// goroutines could kill replicas at random. The locked thread lives as long
// as the Runtime, so replicas die with the server and not before.
type starter struct {
	reqs chan startReq
	quit chan struct{}
}

type startReq struct {
	cmd  *exec.Cmd
	done chan error
}

func newStarter() *starter {
	s := &starter{reqs: make(chan startReq), quit: make(chan struct{})}
	ready := make(chan struct{})
	go s.loop(ready)
	<-ready
	return s
}

func (s *starter) loop(ready chan<- struct{}) {
	// Never unlocked: when loop returns the thread exits with it, which
	// kills whatever is left, as a crashed server would.
	goruntime.LockOSThread()
	close(ready)
	for {
		select {
		case req := <-s.reqs:
			req.done <- req.cmd.Start()
		case <-s.quit:
			return
		}
	}
}

// start starts cmd in its own process group, killed with SIGKILL when the
// starter's thread (and so the server) goes away.
func (s *starter) start(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	req := startReq{cmd: cmd, done: make(chan error, 1)}
	select {
	case s.reqs <- req:
		return <-req.done
	case <-s.quit:
		return errClosed
	}
}

func (s *starter) stop() { close(s.quit) }
