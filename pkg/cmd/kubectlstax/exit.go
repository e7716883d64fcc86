package kubectlstax

import (
	"errors"
	"fmt"
)

// Exit codes of every command, documented in docs/kubectl-stax.md.
const (
	ExitOK       = 0 // done (up: the environment is Ready)
	ExitFailed   = 1 // the request failed, or the environment is Degraded, Failed or Stopped
	ExitUsage    = 2 // bad command line: unknown command or flag, wrong arguments
	ExitTimedOut = 3 // --timeout passed before the wait ended
)

// ExitError carries the exit code of a failed command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

func failed(format string, args ...any) error {
	return &ExitError{Code: ExitFailed, Err: fmt.Errorf(format, args...)}
}

func usageError(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

func timedOut(format string, args ...any) error {
	return &ExitError{Code: ExitTimedOut, Err: fmt.Errorf(format, args...)}
}

// CodeOf is the exit code of an error returned by the root command. Errors
// without a code come from cobra's own parsing (unknown command, missing
// flag value) before any RunE ran: they are usage errors. Every RunE is
// wrapped by run, which gives its plain errors ExitFailed.
func CodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitUsage
}

// run wraps a command's body: its errors without a code are failures (1).
func run(fn func() error) error {
	err := fn()
	if err == nil {
		return nil
	}
	var e *ExitError
	if errors.As(err, &e) {
		return err
	}
	return &ExitError{Code: ExitFailed, Err: err}
}
