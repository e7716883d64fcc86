package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Environment is a whole, running set of services provisioned from a
// Blueprint. Its namespace is the organization that owns it.
type Environment struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// Spec is what the environment should be.
	Spec EnvironmentSpec
	// Status is what the control plane last observed.
	Status EnvironmentStatus
}

// EnvironmentSpec is the desired state of an Environment.
type EnvironmentSpec struct {
	// DisplayName is a human-friendly name; it may change at any time.
	DisplayName string
	// Blueprint lists the services the environment runs.
	Blueprint Blueprint
	// AutoShutdown stops or deletes the environment when it is not used.
	AutoShutdown *AutoShutdown
	// BaselineRef names the Baseline this environment is an overlay of.
	// It is set at creation and never changes.
	BaselineRef *BaselineReference
	// Paused stops every service while keeping the blueprint and state;
	// clearing it resumes them. The stop and resume subresources set it.
	Paused bool
	// Shadow mirrors the baseline's traffic to this overlay; written through
	// environments/shadow only (shadow_types.go).
	Shadow *ShadowSpec
}

// Blueprint is the set of services that make up an environment.
type Blueprint struct {
	// Services are the services of the environment, keyed by name.
	Services []ServiceSpec
}

// ServiceSpec describes one service of a blueprint.
type ServiceSpec struct {
	// Name is the DNS-1123 label that identifies the service in its blueprint.
	Name string
	// Image is the container image the kubernetes runtime runs.
	Image string
	// Command is the entrypoint; the local runtime runs it as a process.
	Command []string
	// Stub, instead of Image and Command, serves a Stub (stubservice_types.go).
	Stub *StubServiceSource
	// Args are passed to the command.
	Args []string
	// Env are environment variables for the service, keyed by name.
	Env []EnvVar
	// Ports the service listens on, keyed by name.
	Ports []ServicePort
	// Replicas is how many copies run. Defaults to 1.
	Replicas *int32
	// Resources are the compute resources each replica asks for.
	Resources ResourceRequirements
	// Health is how readiness of a replica is probed.
	Health *HealthCheck
	// DependsOn names services that must be healthy before this one starts.
	DependsOn []string
}

// EnvVar is one environment variable.
type EnvVar struct {
	// Name of the variable.
	Name string
	// Value of the variable.
	Value string
	// ValueFrom takes the value from elsewhere; exactly one of Value and
	// ValueFrom is set.
	ValueFrom *EnvVarSource
}

// EnvVarSource is where a variable's value comes from.
type EnvVarSource struct {
	// SecretRef is a key of a Secret in the environment's namespace.
	SecretRef *SecretKeyReference
}

// SecretKeyReference names one key of a Secret.
type SecretKeyReference struct {
	// Name of the Secret.
	Name string
	// Key in its data.
	Key string
}

// Protocol is a network protocol of a service port.
type Protocol string

const (
	// ProtocolTCP is the TCP protocol.
	ProtocolTCP Protocol = "TCP"
	// ProtocolUDP is the UDP protocol.
	ProtocolUDP Protocol = "UDP"
)

// AppProtocolHTTP on a port makes its front HTTP-aware.
const AppProtocolHTTP = "http"

// Values of ServiceStatus.Source.
const (
	ServiceOwn    = "own"
	ServiceShared = "shared"
)

// ServicePort is one named port of a service.
type ServicePort struct {
	// Name identifies the port within its service.
	Name string
	// Port number, 1-65535.
	Port int32
	// Protocol of the port. Defaults to TCP.
	Protocol Protocol
	// AppProtocol is what the port speaks above its protocol, as a
	// Kubernetes ServicePort's; "http" makes its front HTTP-aware (per
	// request, routing by key).
	AppProtocol string
}

// ResourceList maps a resource name (cpu, memory, ...) to a quantity. Values
// are kept as written ("500m", "1Gi", 2) and parsed by validation, so that a
// malformed quantity is refused with the path of the field that holds it.
type ResourceList map[string]intstr.IntOrString

// ResourceRequirements are the compute resources of one replica.
type ResourceRequirements struct {
	// Requests is the amount reserved for a replica.
	Requests ResourceList
	// Limits is the most a replica may use.
	Limits ResourceList
}

// HealthCheck probes a replica. Exactly one of HTTP and TCP is set.
type HealthCheck struct {
	// HTTP probes with a GET; any 2xx or 3xx answer is healthy.
	HTTP *HTTPHealthCheck
	// TCP probes by opening a connection.
	TCP *TCPHealthCheck
	// PeriodSeconds between probes. Defaults to 10.
	PeriodSeconds int32
	// FailureThreshold is how many failed probes in a row make a replica
	// unhealthy. Defaults to 3.
	FailureThreshold int32
}

// HTTPHealthCheck is an HTTP GET probe.
type HTTPHealthCheck struct {
	// Path to request, starting with "/".
	Path string
	// Port is the name or number of one of the service's ports.
	Port intstr.IntOrString
}

// TCPHealthCheck is a TCP connect probe.
type TCPHealthCheck struct {
	// Port is the name or number of one of the service's ports.
	Port intstr.IntOrString
}

// AutoShutdown ends an environment nobody uses.
type AutoShutdown struct {
	// IdleTimeout stops the environment after this long without an API
	// request naming it or a change to its spec.
	IdleTimeout *metav1.Duration
	// TimeToLive deletes the environment this long after it was created.
	TimeToLive *metav1.Duration
}

// BaselineReference names a Baseline in the same organization.
type BaselineReference struct {
	// Name of the Baseline.
	Name string
}

// EnvironmentPhase is a coarse summary of where an environment is in its life.
type EnvironmentPhase string

const (
	EnvironmentPending      EnvironmentPhase = "Pending"
	EnvironmentProvisioning EnvironmentPhase = "Provisioning"
	EnvironmentReady        EnvironmentPhase = "Ready"
	EnvironmentDegraded     EnvironmentPhase = "Degraded"
	EnvironmentStopping     EnvironmentPhase = "Stopping"
	EnvironmentStopped      EnvironmentPhase = "Stopped"
	EnvironmentResuming     EnvironmentPhase = "Resuming"
	EnvironmentTerminating  EnvironmentPhase = "Terminating"
	EnvironmentFailed       EnvironmentPhase = "Failed"
)

// EnvironmentStatus is the observed state of an Environment.
type EnvironmentStatus struct {
	// Phase summarizes the environment's state.
	Phase EnvironmentPhase
	// ObservedGeneration is the spec generation the status describes.
	ObservedGeneration int64
	// Conditions are the latest observations, keyed by type.
	Conditions []metav1.Condition
	// Services is the observed state of each blueprint service.
	Services []ServiceStatus
	// LastProbeTime is when the runtime last probed the services' health.
	LastProbeTime *metav1.Time
	// IdleShutdownTime is when the environment will be stopped if nobody
	// uses it before then.
	IdleShutdownTime *metav1.Time
	// ExpirationTime is when the environment will be deleted.
	ExpirationTime *metav1.Time
	// LastUsedTime is when a request last named the environment, written
	// coarsely by the replica that served it, so that the idle timeout of
	// every replica's controller sees use through any replica.
	LastUsedTime *metav1.Time
	// StartedAt is when the current run began; unset while stopped.
	StartedAt *metav1.Time
	// StoppedAt is when the environment last stopped.
	StoppedAt *metav1.Time
	// RunningSeconds is how long, in all, the environment has run.
	RunningSeconds int64
	// Segments are the latest stretches of running, the last one open while
	// it runs; older ones are folded into DailyUsage.
	Segments []RunSegment
	// DailyUsage is the usage of segments folded away, by UTC day.
	DailyUsage []DailyUsage
	// Drift is what the drift controller found (driftpolicy_types.go).
	Drift *EnvironmentDrift
	// LastReady is the last blueprint under which every service was
	// Ready: where diagnose rolls a service back to (diagnose_types.go).
	LastReady *ReadyBlueprint
	// Remediations are the latest changes diagnose made, oldest first, at
	// most MaxRemediationHistory.
	Remediations []RemediationRecord
}

// ServiceStatus is the observed state of one service.
type ServiceStatus struct {
	// Name of the blueprint service.
	Name string
	// DesiredReplicas is how many replicas should run.
	DesiredReplicas int32
	// ReadyReplicas is how many replicas pass their health check.
	ReadyReplicas int32
	// Health is Healthy, Unhealthy or Unknown.
	Health string
	// Endpoint is where the service can be reached.
	Endpoint string
	// Restarts counts how often the service's replicas were restarted.
	Restarts int32
	// Message explains the health, for example why it is unhealthy.
	Message string
	// Source, on an overlay, is ServiceOwn for a service the overlay runs
	// and ServiceShared for one of its baseline, reached at Endpoint.
	Source string
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentList is a list of Environments.
type EnvironmentList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []Environment
}

// Condition types of an Environment.
const (
	// ConditionReady is True when every service has all its replicas healthy.
	ConditionReady = "Ready"
	// ConditionProvisioned is True once the runtime has created every service.
	ConditionProvisioned = "Provisioned"
)

// AnnotationCreatedBy records who created an environment, for its history;
// the server sets it and keeps it.
const AnnotationCreatedBy = "stax.microstax.ai/created-by"
