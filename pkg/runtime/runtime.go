// Package runtime is the boundary between the environment controller and
// whatever runs an environment's services (host processes, Kubernetes, ...).
// It holds plain types only (quantities aside), so that runtimes need no API
// machinery.
package runtime

import (
	"context"
	"errors"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// ErrNotFound is returned for an environment or service the runtime does not know.
var ErrNotFound = errors.New("runtime: not found")

// Plan is the desired state of one environment.
type Plan struct {
	Organization string
	Environment  string
	// Services in blueprint order.
	Services []ServicePlan
	// Baseline is set on an overlay: it runs only Services, and reaches the
	// rest of its topology in the baseline.
	Baseline *BaselineLink
	// Shadow, on an overlay, mirrors baseline traffic into it (shadow.go).
	Shadow *ShadowPlan
}

// BaselineLink is what an overlay shares with its baseline.
type BaselineLink struct {
	// Environment is the baseline's environment, in the same organization.
	Environment string
	// Shared are the baseline's services the overlay does not change.
	Shared []BaselineService
	// Changed are the baseline's services the overlay runs its own version
	// of: the runtime routes requests with the overlay's key to it.
	Changed []BaselineService
}

// BaselineService is a service of the baseline, as the baseline runs it.
type BaselineService struct {
	Name string
	// Endpoint is where the baseline reports the service (host:port),
	// empty while it reports none.
	Endpoint string
	// Port is the service's first port, 0 if it has none.
	Port int32
}

// ServicePlan is the desired state of one service.
type ServicePlan struct {
	Name    string
	Image   string
	Command []string
	Args    []string
	// Stub, instead of Image and Command, runs stax-stub (stub.go).
	Stub  *StubService
	Env   []EnvVar
	Ports []Port
	// Replicas is how many copies run; the controller applies the default.
	Replicas  int32
	Health    *HealthCheck
	DependsOn []string
	// Requests and Limits are the compute resources of one replica, by
	// resource name, parsed once when the plan is made; a runtime that cannot
	// enforce them ignores them.
	Requests, Limits ResourceList
}

// ResourceList is quantities by resource name ("cpu", "memory", ...).
type ResourceList map[string]resource.Quantity

// EnvVar is one environment variable.
type EnvVar struct {
	Name, Value string
	// Secret says Value came from a Secret: runtimes keep it out of what
	// they write down or show (manifests, saved state), and logs hide it
	// (see Redact).
	Secret bool
}

// Port is one named port of a service.
type Port struct {
	Name     string
	Port     int32
	Protocol string
	// AppProtocol "http" (AppProtocolHTTP) asks for an HTTP-aware front.
	AppProtocol string
}

// AppProtocolHTTP is the AppProtocol of a port that speaks HTTP.
const AppProtocolHTTP = "http"

// HTTP says the service's first port, the one its front serves, speaks HTTP.
func (s ServicePlan) HTTP() bool {
	return len(s.Ports) > 0 && s.Ports[0].AppProtocol == AppProtocolHTTP
}

// HealthCheck says how readiness of a replica is probed.
type HealthCheck struct {
	// HTTPPath is the path of an HTTP GET probe; empty means a TCP connect probe.
	HTTPPath string
	// PortName names the probed port; empty means the first port.
	PortName         string
	Period           time.Duration
	FailureThreshold int
}

// Health values of ServiceState.Health.
const (
	HealthHealthy   = "Healthy"
	HealthUnhealthy = "Unhealthy"
	HealthUnknown   = "Unknown"
	HealthStopped   = "Stopped"
	HealthWaiting   = "Waiting"
)

// Runtime runs environments.
type Runtime interface {
	// Apply converges the environment on plan: starts what is missing,
	// replaces services whose plan changed, removes services no longer in the
	// plan. Idempotent and non-blocking: it returns once the work is started;
	// readiness is reported by Status.
	Apply(ctx context.Context, plan Plan) error
	// Stop ends every process but keeps what is needed to resume; resuming
	// is an Apply of the same plan.
	Stop(ctx context.Context, org, env string) error
	// Status reports the observed state of every service of the environment.
	Status(ctx context.Context, org, env string) (EnvironmentState, error)
	// Logs returns the output of the environment's services.
	Logs(ctx context.Context, org, env string, opts LogOptions) (io.ReadCloser, error)
	// Delete ends everything and removes the environment's files.
	Delete(ctx context.Context, org, env string) error
	// SecretValues are the secret values (EnvVar.Secret) of the plan the
	// runtime last applied to the environment, for Redact.
	SecretValues(ctx context.Context, org, env string) ([]string, error)
}

// EnvironmentState is the observed state of an environment.
type EnvironmentState struct {
	// Services in plan order.
	Services []ServiceState
	// LastProbe is when a health probe last ran in the environment.
	LastProbe time.Time
}

// ServiceState is the observed state of one service.
type ServiceState struct {
	Name                     string
	Desired, Ready, Restarts int32
	// Health is one of the Health* constants.
	Health string
	// Endpoint is the host:port that reaches the service's ready replicas.
	Endpoint string
	// Reason is a CamelCase word such as "CrashLoop" or
	// "WaitingForDependencies"; Message says more for humans.
	Reason, Message string
	// LastTermination is how the last replica process to end ended; nil
	// if none did.
	LastTermination *Termination
}

// LogOptions selects log lines.
type LogOptions struct {
	// Service selects one service; empty means all.
	Service string
	// Replica selects one replica of Service; -1 means all.
	Replica int
	// TailLines keeps only the last lines of each replica of the selection.
	TailLines *int64
	// SinceSeconds keeps only lines written in the last seconds.
	SinceSeconds *int64
	// Follow streams new lines until the context is done or the reader is closed.
	Follow bool
}
