package local

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/microstax/stax/pkg/runtime"
	"github.com/microstax/stax/pkg/stubaccess"
)

// StubBinaryName is the command the local runtime runs for a stub service
// when Config.StubBinary does not name one: found beside the server's own
// executable, else on PATH.
const StubBinaryName = "stax-stub"

// defaultStubBinary is where stax-stub is for a runtime not told: beside
// the running executable (an install puts the binaries together), else
// on PATH; empty when neither has it.
func defaultStubBinary() string {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), StubBinaryName)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath(StubBinaryName); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	return ""
}

// argv is what each replica of the service runs: the blueprint's command
// and args or, for a stub, stax-stub with the runtime's flags. It listens
// on $PORT, which changes with every process, so the line stays the same
// and drift can compare it.
func (s *service) argv() []string {
	if st := s.plan.Stub; st != nil {
		return append([]string{s.env.rt.cfg.StubBinary}, runtime.StubArgs(s.env.org, st, s.stubKubeconfig(), "")...)
	}
	return append(append([]string(nil), s.plan.Command...), s.plan.Args...)
}

// cannotStart says why the generation cannot start at all, as a reason
// and a message; "" when it can.
func (s *service) cannotStart() (string, string) {
	switch {
	case s.plan.Stub != nil && s.env.rt.cfg.StubBinary == "":
		return "NoStubBinary", "the service is a stub, and the local runtime found no " + StubBinaryName +
			" beside the server or on PATH (--stub-binary)"
	case s.plan.Stub != nil && s.env.rt.cfg.StubAccess == nil:
		return "NoStubAccess", runtime.ErrNoStubAccess.Error()
	case s.plan.Stub == nil && len(s.plan.Command) == 0:
		return "NoCommand", "the service has no command; the local runtime runs commands and ignores images"
	}
	return "", ""
}

// stubKubeconfig is the path of the kubeconfig a stub service's processes
// read the Stub with, in the environment's state directory, not in the
// working directory the environment's processes share.
func (s *service) stubKubeconfig() string {
	return filepath.Join(s.env.dir(), "stub", s.plan.Name+".kubeconfig")
}

// writeStubKubeconfig writes a fresh credential before a stub process
// starts, readable by the server's user only.
func (s *service) writeStubKubeconfig(ctx context.Context) error {
	cred, err := s.env.rt.cfg.StubAccess.StubCredential(ctx, s.env.org)
	if err != nil {
		return fmt.Errorf("a credential for stax-stub: %w", err)
	}
	b, err := stubaccess.Kubeconfig(cred, s.env.org, "")
	if err != nil {
		return err
	}
	path := s.stubKubeconfig()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
