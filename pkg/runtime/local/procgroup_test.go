package local

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// A server killed before it could end its processes leaves their groups
// recorded; the next New on the same directory kills them.
func TestNewKillsStaleProcessGroups(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer cmd.Process.Kill()
	pids := pidDir(dir + "/run")
	if err := os.MkdirAll(string(pids), 0o755); err != nil {
		t.Fatal(err)
	}
	pids.add(cmd.Process.Pid)

	rt, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("New left the stale process group running")
	}
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("stale process ended with %v, want SIGKILL", cmd.ProcessState)
	}
}
