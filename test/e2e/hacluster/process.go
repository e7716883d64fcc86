package hacluster

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is one component of the topology, restartable with the same
// command line (the faults kill and restart members).
type Process struct {
	Name string
	Log  string
	argv []string
	env  []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	// restartAfter, when set, makes the process supervised: started again
	// that long after it ends, however it ended, until Stop. That is
	// what a kubelet does for a Deployment's container (restartPolicy
	// Always) and systemd for a unit with Restart=always, and what a
	// component that exits on purpose relies on: a
	// stax-controller-manager ends when it loses its etcd session.
	restartAfter time.Duration
	stopped      bool
	restarts     int
}

// NewProcess is a process of cmd's command line and environment, not yet
// started, its output going to log.
func NewProcess(name, log string, cmd *exec.Cmd) *Process {
	return &Process{Name: name, Log: log, argv: cmd.Args, env: cmd.Env}
}

// Start runs the process, its output appended to its log, unless it is
// running already (a fault's restore may find that its supervisor was
// quicker). Its own process group keeps a Ctrl-C of the test or script
// away from it.
func (p *Process) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = false
	return p.startLocked()
}

func (p *Process) startLocked() error {
	if p.runningLocked() {
		return nil
	}
	f, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("starting %s: %w", p.Name, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	done := p.done
	go func() {
		err := cmd.Wait()
		f.Close()
		close(done)
		p.superviseExit(err)
	}()
	return nil
}

// superviseExit starts a supervised process again after its delay,
// noting why in its log.
func (p *Process) superviseExit(exit error) {
	p.mu.Lock()
	after, stopped := p.restartAfter, p.stopped
	p.mu.Unlock()
	if after == 0 || stopped {
		return
	}
	if f, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
		fmt.Fprintf(f, "%s: %s ended (%v); its supervisor starts it again in %s\n", RestartNote, p.Name, exit, after)
		f.Close()
	}
	time.AfterFunc(after, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.stopped || p.runningLocked() {
			return
		}
		if err := p.startLocked(); err == nil {
			p.restarts++
		}
	})
}

// RestartNote starts the line a supervisor writes into the log of a
// process it starts again.
const RestartNote = "hacluster: restart"

// Supervise makes the process supervised (see restartAfter).
func (p *Process) Supervise(restartAfter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.restartAfter = restartAfter
}

// Restarts counts the supervisor's restarts.
func (p *Process) Restarts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.restarts
}

// Running reports whether the process was started and has not ended.
func (p *Process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.runningLocked()
}

func (p *Process) runningLocked() bool {
	if p.done == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// current is the running command and its end, nil if none.
func (p *Process) current() (*exec.Cmd, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.runningLocked() {
		return nil, nil
	}
	return p.cmd, p.done
}

// Kill sends SIGKILL and waits for the end: the fault, not a shutdown.
// A supervised process comes back, as it would under its supervisor.
func (p *Process) Kill() {
	cmd, done := p.current()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Stop ends the process for good: SIGTERM and, after 15 seconds,
// SIGKILL; a supervisor does not start it again.
func (p *Process) Stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	cmd, done := p.current()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Tail is the end of the log, for failure messages.
func (p *Process) Tail(n int) string {
	raw, _ := os.ReadFile(p.Log)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TailBefore is the n lines of the log before its last line starting
// with marker (the whole tail if none): why a restarted process ended.
func (p *Process) TailBefore(marker string, n int) string {
	raw, _ := os.ReadFile(p.Log)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	end := len(lines)
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], marker) {
			end = i + 1
			break
		}
	}
	return strings.Join(lines[max(0, end-n-1):end], "\n")
}

// Pid is the process id of the running process, 0 if none.
func (p *Process) Pid() int {
	cmd, _ := p.current()
	if cmd == nil {
		return 0
	}
	return cmd.Process.Pid
}
