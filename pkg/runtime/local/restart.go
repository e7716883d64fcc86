package local

import (
	"context"
	"fmt"

	"github.com/microstax/stax/pkg/runtime"
)

var _ runtime.Restarter = &Runtime{}

// Restart implements runtime.Restarter: the service's generation is retired
// and a new one runs the same plan, with fresh processes, ports and
// restart counts. The front proxy stays, so dependents keep their URL.
func (r *Runtime) Restart(ctx context.Context, org, env, name string) error {
	return r.locked(org, env, false, func(e *environment) error {
		e.mu.Lock()
		cur := e.services[name]
		if e.stopped || cur == nil {
			e.mu.Unlock()
			return fmt.Errorf("service %s of %s/%s is not running: %w", name, org, env, runtime.ErrNotFound)
		}
		e.retireLocked(cur)
		s := newService(e, cur.plan, cur.probePort)
		e.services[name] = s
		e.mu.Unlock()
		go s.run()
		e.notify()
		return nil
	})
}
