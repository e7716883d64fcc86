package local

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/microstax/stax/pkg/runtime"
)

// Restart back-off: doubled after every crash, reset once a process has run
// for backoffReset, so a service that crashes once a day restarts quickly.
const (
	backoffMin   = 100 * time.Millisecond
	backoffMax   = 10 * time.Second
	backoffReset = 30 * time.Second
	// readyAfter makes a replica without health check ready once its
	// process has survived this long.
	readyAfter = time.Second
)

// replica supervises the process of one copy of a service: it starts it,
// probes it, restarts it when it exits and ends it when its context ends.
type replica struct {
	svc   *service
	index int
	log   *logFile

	mu        sync.Mutex
	ports     []int // host port of each of the service's ports, for the current process
	pid       int
	running   bool
	startedAt time.Time
	ready     bool
	everReady bool // since the current process started
	unhealthy bool
	failures  int
	probeErr  string
	lastProbe time.Time
	restarts  int32
	lastExit  string // how the last process ended, empty if none did
	lastTerm  *runtime.Termination
}

func (r *replica) addr() string {
	if len(r.ports) == 0 {
		return ""
	}
	return loopback(r.ports[0])
}

func (r *replica) run(ctx context.Context) {
	rt := r.svc.env.rt
	backoff := backoffMin
	for {
		// Fresh ports for every process, so that a port taken by someone
		// else while the replica was down does not make it crash forever.
		ports, err := r.takePorts()
		var cmd *exec.Cmd
		began := time.Now()
		if err == nil && r.svc.plan.Stub != nil {
			err = r.svc.writeStubKubeconfig(ctx)
		}
		if err == nil {
			cmd = r.command(ports)
			err = rt.starter.start(cmd)
		}
		if err != nil {
			r.setExited(fmt.Sprintf("failed to start: %v", err), nil)
		} else {
			pid := cmd.Process.Pid
			rt.pids.add(pid)
			r.setStarted(pid)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			probeCtx, stopProbe := context.WithCancel(ctx)
			probed := make(chan struct{})
			go func() { defer close(probed); r.probeLoop(probeCtx, began) }()
			select {
			case err := <-exited:
				stopProbe()
				<-probed
				// The leader is gone; children it left in its group go too.
				_ = syscall.Kill(-pid, syscall.SIGKILL)
				rt.pids.remove(pid)
				r.log.Flush()
				r.setExited(exitMessage(cmd, err), termination(cmd))
				if time.Since(began) >= backoffReset {
					backoff = backoffMin
				}
			case <-ctx.Done():
				stopProbe()
				<-probed
				terminate(pid, exited, rt.cfg.StopGrace)
				rt.pids.remove(pid)
				r.log.Flush()
				r.setStopped()
				rt.ports.release(ports)
				return
			}
		}
		rt.ports.release(ports)
		select {
		case <-ctx.Done():
			r.setStopped()
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, backoffMax)
		r.mu.Lock()
		r.restarts++
		r.mu.Unlock()
	}
}

// terminate asks the process group to end, then kills it after grace.
func terminate(pid int, exited <-chan error, grace time.Duration) {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-exited:
	case <-t.C:
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-exited
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

func exitMessage(cmd *exec.Cmd, err error) string {
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by signal " + ws.Signal().String()
	}
	var ee *exec.ExitError
	if err == nil || errors.As(err, &ee) {
		return "exited with code " + strconv.Itoa(cmd.ProcessState.ExitCode())
	}
	return err.Error()
}

// termination is how the process ended, with a shell's exit code for a
// signal (128+n), so that a SIGKILL reads 137 as it does in a container.
func termination(cmd *exec.Cmd) *runtime.Termination {
	if cmd.ProcessState == nil {
		return nil
	}
	t := &runtime.Termination{ExitCode: int32(cmd.ProcessState.ExitCode()), Reason: "Error", At: time.Now()}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.ExitCode, t.Signal, t.Reason = 128+int32(ws.Signal()), ws.Signal().String(), "Signaled"
	} else if t.ExitCode == 0 {
		t.Reason = "Completed"
	}
	return t
}

func (r *replica) takePorts() ([]int, error) {
	var ports []int
	for range r.svc.plan.Ports {
		p, err := r.svc.env.rt.ports.take()
		if err != nil {
			r.svc.env.rt.ports.release(ports)
			return nil, fmt.Errorf("allocating a port: %w", err)
		}
		ports = append(ports, p)
	}
	r.mu.Lock()
	r.ports = ports
	r.mu.Unlock()
	return ports, nil
}

func (r *replica) command(ports []int) *exec.Cmd {
	s := r.svc
	argv := s.argv()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.env.workDir()
	cmd.Env = r.environ(ports)
	cmd.Stdout = r.log
	cmd.Stderr = r.log
	// A grandchild holding the output pipe must not keep Wait from returning.
	cmd.WaitDelay = time.Second
	return cmd
}

func (r *replica) setStarted(pid int) {
	r.mu.Lock()
	r.pid, r.running, r.startedAt = pid, true, time.Now()
	r.ready, r.everReady, r.unhealthy, r.failures, r.probeErr = false, false, false, 0, ""
	r.mu.Unlock()
}

func (r *replica) setExited(how string, term *runtime.Termination) {
	r.mu.Lock()
	wasReady := r.ready
	r.pid, r.running, r.ready = 0, false, false
	r.lastExit = how
	if term != nil {
		r.lastTerm = term
	}
	r.mu.Unlock()
	if wasReady {
		r.svc.env.notify()
	}
}

func (r *replica) setStopped() {
	r.mu.Lock()
	r.pid, r.running, r.ready = 0, false, false
	r.mu.Unlock()
}

// crashLoopingLocked is true while the replica is down after an exit, or back up
// for less than the back-off reset time.
func (r *replica) crashLoopingLocked() bool {
	if r.lastExit == "" {
		return false
	}
	return !r.running || time.Since(r.startedAt) < backoffReset
}
