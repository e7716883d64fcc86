package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/microstax/stax/pkg/runtime"
)

// Config configures a local Runtime.
type Config struct {
	// DataDir holds working directories, logs and state. Required.
	DataDir string
	// StopGrace is how long a process group has between SIGTERM and
	// SIGKILL. Defaults to 5s.
	StopGrace time.Duration
	// LogMaxBytes caps each replica's log file before it is rotated once.
	// Defaults to 5 MiB.
	LogMaxBytes int64
	// StubBinary is stax-stub, which stub services run (stub.go); found
	// beside the server's executable or on PATH if empty.
	StubBinary string
	// StubAccess hands each stub process its credential; without it stub
	// services report Reason "NoStubAccess".
	StubAccess runtime.StubAccess
}

// Runtime runs environments as supervised host processes.
type Runtime struct {
	cfg     Config
	starter *starter
	pids    pidDir
	ports   portPool

	mu     sync.Mutex
	envs   map[string]*environment // by org + "/" + env
	closed bool
}

var _ runtime.Runtime = (*Runtime)(nil)

var errClosed = errors.New("local runtime: closed")

// New returns a Runtime storing its files under cfg.DataDir. It kills the
// process groups a previous server on the same directory left behind.
func New(cfg Config) (*Runtime, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("local runtime: DataDir is required")
	}
	if cfg.StopGrace <= 0 {
		cfg.StopGrace = 5 * time.Second
	}
	if cfg.LogMaxBytes <= 0 {
		cfg.LogMaxBytes = 5 << 20
	}
	if cfg.StubBinary == "" {
		cfg.StubBinary = defaultStubBinary()
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	cfg.DataDir = dir
	pids := pidDir(filepath.Join(dir, "run"))
	if err := pids.killStale(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(string(pids), 0o755); err != nil {
		return nil, err
	}
	return &Runtime{cfg: cfg, starter: newStarter(), pids: pids, envs: map[string]*environment{}}, nil
}

// lookup finds an environment, from memory or from the state a previous
// server saved; create makes a new one when there is neither.
func (r *Runtime) lookup(org, env string, create bool) (*environment, error) {
	if err := runtime.CheckNames(org, env); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errClosed
	}
	key := org + "/" + env
	if e := r.envs[key]; e != nil {
		return e, nil
	}
	e := newEnvironment(r, org, env)
	if !e.load() && !create {
		return nil, fmt.Errorf("environment %s: %w", key, runtime.ErrNotFound)
	}
	r.envs[key] = e
	return e, nil
}

// locked runs f with the environment's operation lock, retrying when a
// concurrent Delete removed the environment in between.
func (r *Runtime) locked(org, env string, create bool, f func(*environment) error) error {
	for {
		e, err := r.lookup(org, env, create)
		if err != nil {
			return err
		}
		e.op.Lock()
		if e.gone {
			e.op.Unlock()
			continue
		}
		err = f(e)
		e.op.Unlock()
		return err
	}
}

// Apply implements runtime.Runtime. An invalid plan is refused whole; a
// service without command is reported in Status with Reason "NoCommand".
func (r *Runtime) Apply(ctx context.Context, plan runtime.Plan) error {
	probePorts, err := validate(plan)
	if err != nil {
		return err
	}
	return r.locked(plan.Organization, plan.Environment, true, func(e *environment) error {
		if err := e.apply(plan, probePorts); err != nil {
			return err
		}
		e.routeOverlay()
		e.shadowOverlay()
		return nil
	})
}

// Stop implements runtime.Runtime.
func (r *Runtime) Stop(ctx context.Context, org, env string) error {
	return r.locked(org, env, false, func(e *environment) error { return e.stop(ctx) })
}

// Status implements runtime.Runtime.
func (r *Runtime) Status(ctx context.Context, org, env string) (runtime.EnvironmentState, error) {
	e, err := r.lookup(org, env, false)
	if err != nil {
		return runtime.EnvironmentState{}, err
	}
	return e.status(), nil
}

// SecretValues implements runtime.Runtime: the secret values of the plan
// held in memory (a plan loaded from disk has none).
func (r *Runtime) SecretValues(ctx context.Context, org, env string) ([]string, error) {
	var out []string
	err := r.locked(org, env, false, func(e *environment) error {
		out = e.plan.SecretValues()
		return nil
	})
	return out, err
}

// Delete implements runtime.Runtime. It removes logs too.
func (r *Runtime) Delete(ctx context.Context, org, env string) error {
	return r.locked(org, env, false, func(e *environment) error {
		if err := e.stop(ctx); err != nil {
			return err
		}
		// An overlay's routes go; the baseline's processes are not touched.
		e.unrouteOverlay()
		e.gone = true
		r.mu.Lock()
		delete(r.envs, org+"/"+env)
		r.mu.Unlock()
		return errors.Join(os.RemoveAll(e.dir()), os.RemoveAll(e.logDir()))
	})
}

// Close stops every environment, keeping their files, and ends the
// runtime. Later calls fail.
func (r *Runtime) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	envs := r.envs
	r.mu.Unlock()
	var errs []error
	for _, e := range envs {
		e.op.Lock()
		errs = append(errs, e.stop(context.Background()))
		e.op.Unlock()
	}
	r.starter.stop()
	return errors.Join(errs...)
}
