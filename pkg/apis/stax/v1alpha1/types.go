package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Environment is a whole, running set of services provisioned from a
// Blueprint. Its namespace is the organization that owns it.
type Environment struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is what the environment should be.
	Spec EnvironmentSpec `json:"spec"`
	// Status is what the control plane last observed.
	// +optional
	Status EnvironmentStatus `json:"status,omitempty"`
}

// EnvironmentSpec is the desired state of an Environment.
type EnvironmentSpec struct {
	// DisplayName is a human-friendly name; it may change at any time.
	// +optional
	DisplayName string `json:"displayName,omitempty"`
	// Blueprint lists the services the environment runs.
	Blueprint Blueprint `json:"blueprint"`
	// AutoShutdown stops or deletes the environment when it is not used.
	// +optional
	AutoShutdown *AutoShutdown `json:"autoShutdown,omitempty"`
	// BaselineRef names the Baseline this environment is an overlay of.
	// It is set at creation and never changes.
	// +optional
	BaselineRef *BaselineReference `json:"baselineRef,omitempty"`
	// Paused stops every service while keeping the blueprint and state;
	// clearing it resumes them. The stop and resume subresources set it.
	// +optional
	Paused bool `json:"paused,omitempty"`
	// Shadow mirrors a sample of the baseline's traffic to this overlay to
	// compare the answers (shadow_types.go). Written through the
	// environments/shadow subresource only.
	// +optional
	Shadow *ShadowSpec `json:"shadow,omitempty"`
}

// Blueprint is the set of services that make up an environment.
type Blueprint struct {
	// Services are the services of the environment, keyed by name.
	// +listType=map
	// +listMapKey=name
	Services []ServiceSpec `json:"services"`
}

// ServiceSpec describes one service of a blueprint.
type ServiceSpec struct {
	// Name is the DNS-1123 label that identifies the service in its blueprint.
	Name string `json:"name"`
	// Image is the container image the kubernetes runtime runs.
	// +optional
	Image string `json:"image,omitempty"`
	// Command is the entrypoint; the local runtime runs it as a process.
	// +optional
	// +listType=atomic
	Command []string `json:"command,omitempty"`
	// Stub, instead of Image and Command, serves a Stub (stubservice_types.go).
	// +optional
	Stub *StubServiceSource `json:"stub,omitempty"`
	// Args are passed to the command.
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty"`
	// Env are environment variables for the service, keyed by name.
	// +optional
	// +listType=map
	// +listMapKey=name
	Env []EnvVar `json:"env,omitempty"`
	// Ports the service listens on, keyed by name.
	// +optional
	// +listType=map
	// +listMapKey=name
	Ports []ServicePort `json:"ports,omitempty"`
	// Replicas is how many copies run. Defaults to 1.
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`
	// Resources are the compute resources each replica asks for.
	// +optional
	Resources ResourceRequirements `json:"resources,omitempty"`
	// Health is how readiness of a replica is probed.
	// +optional
	Health *HealthCheck `json:"health,omitempty"`
	// DependsOn names services that must be healthy before this one starts.
	// +optional
	// +listType=set
	DependsOn []string `json:"dependsOn,omitempty"`
}

// EnvVar is one environment variable.
type EnvVar struct {
	// Name of the variable.
	Name string `json:"name"`
	// Value of the variable.
	// +optional
	Value string `json:"value,omitempty"`
	// ValueFrom takes the value from elsewhere; exactly one of value and
	// valueFrom is set.
	// +optional
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty"`
}

// EnvVarSource is where a variable's value comes from.
type EnvVarSource struct {
	// SecretRef is a key of a Secret (secrets.stax.microstax.ai) in the
	// environment's namespace. Records and status hold the reference, never
	// the value.
	// +optional
	SecretRef *SecretKeyReference `json:"secretRef,omitempty"`
}

// SecretKeyReference names one key of a Secret.
type SecretKeyReference struct {
	// Name of the Secret.
	Name string `json:"name"`
	// Key in its data.
	Key string `json:"key"`
}

// Protocol is a network protocol of a service port.
// +enum
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
	Name string `json:"name"`
	// Port number, 1-65535.
	Port int32 `json:"port"`
	// Protocol of the port. Defaults to TCP.
	// +optional
	Protocol Protocol `json:"protocol,omitempty"`
	// AppProtocol is what the port speaks above its protocol, as a
	// Kubernetes ServicePort's; "http" makes its front HTTP-aware (per
	// request, routing by key).
	// +optional
	AppProtocol string `json:"appProtocol,omitempty"`
}

// ResourceList maps a resource name (cpu, memory, ...) to a quantity. Values
// are kept as written ("500m", "1Gi", 2) and parsed by validation, so that a
// malformed quantity is refused with the path of the field that holds it.
type ResourceList map[string]intstr.IntOrString

// ResourceRequirements are the compute resources of one replica.
type ResourceRequirements struct {
	// Requests is the amount reserved for a replica.
	// +optional
	Requests ResourceList `json:"requests,omitempty"`
	// Limits is the most a replica may use.
	// +optional
	Limits ResourceList `json:"limits,omitempty"`
}

// HealthCheck probes a replica. Exactly one of HTTP and TCP is set.
type HealthCheck struct {
	// HTTP probes with a GET; any 2xx or 3xx answer is healthy.
	// +optional
	HTTP *HTTPHealthCheck `json:"http,omitempty"`
	// TCP probes by opening a connection.
	// +optional
	TCP *TCPHealthCheck `json:"tcp,omitempty"`
	// PeriodSeconds between probes. Defaults to 10.
	// +optional
	PeriodSeconds int32 `json:"periodSeconds,omitempty"`
	// FailureThreshold is how many failed probes in a row make a replica
	// unhealthy. Defaults to 3.
	// +optional
	FailureThreshold int32 `json:"failureThreshold,omitempty"`
}

// HTTPHealthCheck is an HTTP GET probe.
type HTTPHealthCheck struct {
	// Path to request, starting with "/".
	Path string `json:"path"`
	// Port is the name or number of one of the service's ports.
	Port intstr.IntOrString `json:"port"`
}

// TCPHealthCheck is a TCP connect probe.
type TCPHealthCheck struct {
	// Port is the name or number of one of the service's ports.
	Port intstr.IntOrString `json:"port"`
}

// AutoShutdown ends an environment nobody uses.
type AutoShutdown struct {
	// IdleTimeout stops the environment after this long without an API
	// request naming it or a change to its spec.
	// +optional
	IdleTimeout *metav1.Duration `json:"idleTimeout,omitempty"`
	// TimeToLive deletes the environment this long after it was created.
	// +optional
	TimeToLive *metav1.Duration `json:"timeToLive,omitempty"`
}

// BaselineReference names a Baseline in the same organization.
type BaselineReference struct {
	// Name of the Baseline.
	Name string `json:"name"`
}

// EnvironmentPhase is a coarse summary of where an environment is in its life.
// +enum
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
	// +optional
	Phase EnvironmentPhase `json:"phase,omitempty"`
	// ObservedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions are the latest observations, keyed by type.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Services is the observed state of each blueprint service.
	// +optional
	// +listType=map
	// +listMapKey=name
	Services []ServiceStatus `json:"services,omitempty"`
	// LastProbeTime is when the runtime last probed the services' health.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`
	// IdleShutdownTime is when the environment will be stopped if nobody
	// uses it before then.
	// +optional
	IdleShutdownTime *metav1.Time `json:"idleShutdownTime,omitempty"`
	// ExpirationTime is when the environment will be deleted.
	// +optional
	ExpirationTime *metav1.Time `json:"expirationTime,omitempty"`
	// LastUsedTime is when a request last named the environment, written
	// coarsely (at most once a minute by default) by the replica that
	// served it, so that the idle timeout of every replica's controller
	// sees use through any replica.
	// +optional
	LastUsedTime *metav1.Time `json:"lastUsedTime,omitempty"`
	// StartedAt is when the current run began; unset while stopped.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// StoppedAt is when the environment last stopped.
	// +optional
	StoppedAt *metav1.Time `json:"stoppedAt,omitempty"`
	// RunningSeconds is how long, in all, the environment has run.
	// +optional
	RunningSeconds int64 `json:"runningSeconds,omitempty"`
	// Segments are the latest stretches of running, the last one open (no
	// end) while it runs; past a limit the oldest are folded into
	// dailyUsage.
	// +optional
	// +listType=atomic
	Segments []RunSegment `json:"segments,omitempty"`
	// DailyUsage is the usage of segments folded away, by UTC day.
	// +optional
	// +listType=atomic
	DailyUsage []DailyUsage `json:"dailyUsage,omitempty"`
	// Drift is what the drift controller found under its organization's
	// drift policy.
	// +optional
	Drift *EnvironmentDrift `json:"drift,omitempty"`
	// LastReady is the last blueprint under which every service was
	// Ready: where diagnose rolls a service back to.
	// +optional
	LastReady *ReadyBlueprint `json:"lastReady,omitempty"`
	// Remediations are the latest changes diagnose made, oldest first, at
	// most 10.
	// +optional
	// +listType=atomic
	Remediations []RemediationRecord `json:"remediations,omitempty"`
}

// ServiceStatus is the observed state of one service.
type ServiceStatus struct {
	// Name of the blueprint service.
	Name string `json:"name"`
	// DesiredReplicas is how many replicas should run.
	DesiredReplicas int32 `json:"desiredReplicas"`
	// ReadyReplicas is how many replicas pass their health check.
	ReadyReplicas int32 `json:"readyReplicas"`
	// Health is Healthy, Unhealthy or Unknown.
	// +optional
	Health string `json:"health,omitempty"`
	// Endpoint is where the service can be reached.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// Restarts counts how often the service's replicas were restarted.
	// +optional
	Restarts int32 `json:"restarts,omitempty"`
	// Message explains the health, for example why it is unhealthy.
	// +optional
	Message string `json:"message,omitempty"`
	// Source, on an overlay, is "own" for a service the overlay runs and
	// "shared" for one of its baseline, reached at Endpoint.
	// +optional
	Source string `json:"source,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentList is a list of Environments.
type EnvironmentList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Environment `json:"items"`
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
