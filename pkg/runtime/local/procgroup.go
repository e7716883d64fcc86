package local

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// pidDir records the process groups the runtime started, one file per group
// holding the leader's start time. A server that died without Close (and so
// without Pdeathsig reaching grandchildren) leaves them behind; New kills
// them. The start time guards against killing a reused pid.
type pidDir string

func (d pidDir) add(pid int) {
	st, err := procStartTime(pid)
	if err != nil {
		return
	}
	_ = os.WriteFile(filepath.Join(string(d), strconv.Itoa(pid)), []byte(st), 0o644)
}

func (d pidDir) remove(pid int) { _ = os.Remove(filepath.Join(string(d), strconv.Itoa(pid))) }

// killStale kills every recorded group whose leader is still the process
// that was recorded, and forgets all records.
func (d pidDir) killStale() error {
	entries, err := os.ReadDir(string(d))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		path := filepath.Join(string(d), e.Name())
		if err == nil && pid > 1 {
			want, _ := os.ReadFile(path)
			if got, err := procStartTime(pid); err == nil && got == string(want) {
				_ = syscall.Kill(-pid, syscall.SIGKILL)
			}
		}
		_ = os.Remove(path)
	}
	return nil
}

// procStartTime is field 22 of /proc/<pid>/stat: the start time in clock
// ticks since boot, which tells a process apart from a later one with its pid.
func procStartTime(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	// The command name (field 2) may hold spaces; fields are counted after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", errors.New("malformed stat")
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 20 {
		return "", errors.New("malformed stat")
	}
	return string(f[19]), nil
}
