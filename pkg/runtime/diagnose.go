package runtime

import (
	"context"
	"time"
)

// Termination is how the last process (or container) of a service ended.
type Termination struct {
	// ExitCode of the process; 128+n when a signal n ended it (137: SIGKILL).
	ExitCode int32
	// Signal that ended it, such as "killed", when one did.
	Signal string
	// Reason is the runtime's word for it, such as "OOMKilled" or "Error".
	Reason string
	// At is when it ended.
	At time.Time
}

// Event is a note the platform made about a service, such as a kubernetes
// event of one of its pods.
type Event struct {
	Service string
	// Type is Normal or Warning; Reason a CamelCase word (BackOff, Failed).
	Type, Reason, Message string
	Count                 int32
	Last                  time.Time
}

// Restarter is a Runtime that can restart one service in place, with the
// plan it runs: the remedy of diagnose for a wedged service.
type Restarter interface {
	Restart(ctx context.Context, org, env, service string) error
}

// EventLister is a Runtime that keeps events about services (kubernetes).
type EventLister interface {
	Events(ctx context.Context, org, env string) ([]Event, error)
}
