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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is what the environment should be.
	Spec EnvironmentSpec `json:"spec" protobuf:"bytes,2,opt,name=spec"`
	// Status is what the control plane last observed.
	// +optional
	Status EnvironmentStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// EnvironmentSpec is the desired state of an Environment.
type EnvironmentSpec struct {
	// DisplayName is a human-friendly name; it may change at any time.
	// +optional
	DisplayName string `json:"displayName,omitempty" protobuf:"bytes,1,opt,name=displayName"`
	// Blueprint lists the services the environment runs.
	Blueprint Blueprint `json:"blueprint" protobuf:"bytes,2,opt,name=blueprint"`
	// AutoShutdown stops or deletes the environment when it is not used.
	// +optional
	AutoShutdown *AutoShutdown `json:"autoShutdown,omitempty" protobuf:"bytes,3,opt,name=autoShutdown"`
	// BaselineRef names the Baseline this environment is an overlay of.
	// It is set at creation and never changes.
	// +optional
	BaselineRef *BaselineReference `json:"baselineRef,omitempty" protobuf:"bytes,4,opt,name=baselineRef"`
	// Paused stops every service while keeping the blueprint and state;
	// clearing it resumes them. The stop and resume subresources set it.
	// +optional
	Paused bool `json:"paused,omitempty" protobuf:"varint,5,opt,name=paused"`
	// Shadow mirrors a sample of the baseline's traffic to this overlay to
	// compare the answers (shadow_types.go). Written through the
	// environments/shadow subresource only.
	// +optional
	Shadow *ShadowSpec `json:"shadow,omitempty" protobuf:"bytes,6,opt,name=shadow"`
}

// Blueprint is the set of services that make up an environment.
type Blueprint struct {
	// Services are the services of the environment, keyed by name.
	// +listType=map
	// +listMapKey=name
	Services []ServiceSpec `json:"services" protobuf:"bytes,1,rep,name=services"`
}

// ServiceSpec describes one service of a blueprint.
type ServiceSpec struct {
	// Name is the DNS-1123 label that identifies the service in its blueprint.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Image is the container image the kubernetes runtime runs.
	// +optional
	Image string `json:"image,omitempty" protobuf:"bytes,2,opt,name=image"`
	// Command is the entrypoint; the local runtime runs it as a process.
	// +optional
	// +listType=atomic
	Command []string `json:"command,omitempty" protobuf:"bytes,3,rep,name=command"`
	// Stub, instead of Image and Command, serves a Stub (stubservice_types.go).
	// +optional
	Stub *StubServiceSource `json:"stub,omitempty" protobuf:"bytes,4,opt,name=stub"`
	// Args are passed to the command.
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty" protobuf:"bytes,5,rep,name=args"`
	// Env are environment variables for the service, keyed by name.
	// +optional
	// +listType=map
	// +listMapKey=name
	Env []EnvVar `json:"env,omitempty" protobuf:"bytes,6,rep,name=env"`
	// Ports the service listens on, keyed by name.
	// +optional
	// +listType=map
	// +listMapKey=name
	Ports []ServicePort `json:"ports,omitempty" protobuf:"bytes,7,rep,name=ports"`
	// Replicas is how many copies run. Defaults to 1.
	// +optional
	Replicas *int32 `json:"replicas,omitempty" protobuf:"varint,8,opt,name=replicas"`
	// Resources are the compute resources each replica asks for.
	// +optional
	Resources ResourceRequirements `json:"resources,omitempty" protobuf:"bytes,9,opt,name=resources"`
	// Health is how readiness of a replica is probed.
	// +optional
	Health *HealthCheck `json:"health,omitempty" protobuf:"bytes,10,opt,name=health"`
	// DependsOn names services that must be healthy before this one starts.
	// +optional
	// +listType=set
	DependsOn []string `json:"dependsOn,omitempty" protobuf:"bytes,11,rep,name=dependsOn"`
}

// EnvVar is one environment variable.
type EnvVar struct {
	// Name of the variable.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Value of the variable.
	// +optional
	Value string `json:"value,omitempty" protobuf:"bytes,2,opt,name=value"`
	// ValueFrom takes the value from elsewhere; exactly one of value and
	// valueFrom is set.
	// +optional
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty" protobuf:"bytes,3,opt,name=valueFrom"`
}

// EnvVarSource is where a variable's value comes from.
type EnvVarSource struct {
	// SecretRef is a key of a Secret (secrets.stax.microstax.ai) in the
	// environment's namespace. Records and status hold the reference, never
	// the value.
	// +optional
	SecretRef *SecretKeyReference `json:"secretRef,omitempty" protobuf:"bytes,1,opt,name=secretRef"`
}

// SecretKeyReference names one key of a Secret.
type SecretKeyReference struct {
	// Name of the Secret.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Key in its data.
	Key string `json:"key" protobuf:"bytes,2,opt,name=key"`
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
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Port number, 1-65535.
	Port int32 `json:"port" protobuf:"varint,2,opt,name=port"`
	// Protocol of the port. Defaults to TCP.
	// +optional
	Protocol Protocol `json:"protocol,omitempty" protobuf:"bytes,3,opt,name=protocol,casttype=Protocol"`
	// AppProtocol is what the port speaks above its protocol, as a
	// Kubernetes ServicePort's; "http" makes its front HTTP-aware (per
	// request, routing by key).
	// +optional
	AppProtocol string `json:"appProtocol,omitempty" protobuf:"bytes,4,opt,name=appProtocol"`
}

// ResourceList maps a resource name (cpu, memory, ...) to a quantity. Values
// are kept as written ("500m", "1Gi", 2) and parsed by validation, so that a
// malformed quantity is refused with the path of the field that holds it.
type ResourceList map[string]intstr.IntOrString

// ResourceRequirements are the compute resources of one replica.
type ResourceRequirements struct {
	// Requests is the amount reserved for a replica.
	// +optional
	Requests ResourceList `json:"requests,omitempty" protobuf:"bytes,1,rep,name=requests,casttype=ResourceList"`
	// Limits is the most a replica may use.
	// +optional
	Limits ResourceList `json:"limits,omitempty" protobuf:"bytes,2,rep,name=limits,casttype=ResourceList"`
}

// HealthCheck probes a replica. Exactly one of HTTP and TCP is set.
type HealthCheck struct {
	// HTTP probes with a GET; any 2xx or 3xx answer is healthy.
	// +optional
	HTTP *HTTPHealthCheck `json:"http,omitempty" protobuf:"bytes,1,opt,name=http"`
	// TCP probes by opening a connection.
	// +optional
	TCP *TCPHealthCheck `json:"tcp,omitempty" protobuf:"bytes,2,opt,name=tcp"`
	// PeriodSeconds between probes. Defaults to 10.
	// +optional
	PeriodSeconds int32 `json:"periodSeconds,omitempty" protobuf:"varint,3,opt,name=periodSeconds"`
	// FailureThreshold is how many failed probes in a row make a replica
	// unhealthy. Defaults to 3.
	// +optional
	FailureThreshold int32 `json:"failureThreshold,omitempty" protobuf:"varint,4,opt,name=failureThreshold"`
}

// HTTPHealthCheck is an HTTP GET probe.
type HTTPHealthCheck struct {
	// Path to request, starting with "/".
	Path string `json:"path" protobuf:"bytes,1,opt,name=path"`
	// Port is the name or number of one of the service's ports.
	Port intstr.IntOrString `json:"port" protobuf:"bytes,2,opt,name=port"`
}

// TCPHealthCheck is a TCP connect probe.
type TCPHealthCheck struct {
	// Port is the name or number of one of the service's ports.
	Port intstr.IntOrString `json:"port" protobuf:"bytes,1,opt,name=port"`
}

// AutoShutdown ends an environment nobody uses.
type AutoShutdown struct {
	// IdleTimeout stops the environment after this long without an API
	// request naming it or a change to its spec.
	// +optional
	IdleTimeout *metav1.Duration `json:"idleTimeout,omitempty" protobuf:"bytes,1,opt,name=idleTimeout"`
	// TimeToLive deletes the environment this long after it was created.
	// +optional
	TimeToLive *metav1.Duration `json:"timeToLive,omitempty" protobuf:"bytes,2,opt,name=timeToLive"`
}

// BaselineReference names a Baseline in the same organization.
type BaselineReference struct {
	// Name of the Baseline.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
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
	Phase EnvironmentPhase `json:"phase,omitempty" protobuf:"bytes,1,opt,name=phase,casttype=EnvironmentPhase"`
	// ObservedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,2,opt,name=observedGeneration"`
	// Conditions are the latest observations, keyed by type.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" protobuf:"bytes,3,rep,name=conditions"`
	// Services is the observed state of each blueprint service.
	// +optional
	// +listType=map
	// +listMapKey=name
	Services []ServiceStatus `json:"services,omitempty" protobuf:"bytes,4,rep,name=services"`
	// LastProbeTime is when the runtime last probed the services' health.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty" protobuf:"bytes,5,opt,name=lastProbeTime"`
	// IdleShutdownTime is when the environment will be stopped if nobody
	// uses it before then.
	// +optional
	IdleShutdownTime *metav1.Time `json:"idleShutdownTime,omitempty" protobuf:"bytes,6,opt,name=idleShutdownTime"`
	// ExpirationTime is when the environment will be deleted.
	// +optional
	ExpirationTime *metav1.Time `json:"expirationTime,omitempty" protobuf:"bytes,7,opt,name=expirationTime"`
	// LastUsedTime is when a request last named the environment, written
	// coarsely (at most once a minute by default) by the replica that
	// served it, so that the idle timeout of every replica's controller
	// sees use through any replica.
	// +optional
	LastUsedTime *metav1.Time `json:"lastUsedTime,omitempty" protobuf:"bytes,8,opt,name=lastUsedTime"`
	// StartedAt is when the current run began; unset while stopped.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty" protobuf:"bytes,9,opt,name=startedAt"`
	// StoppedAt is when the environment last stopped.
	// +optional
	StoppedAt *metav1.Time `json:"stoppedAt,omitempty" protobuf:"bytes,10,opt,name=stoppedAt"`
	// RunningSeconds is how long, in all, the environment has run.
	// +optional
	RunningSeconds int64 `json:"runningSeconds,omitempty" protobuf:"varint,11,opt,name=runningSeconds"`
	// Segments are the latest stretches of running, the last one open (no
	// end) while it runs; past a limit the oldest are folded into
	// dailyUsage.
	// +optional
	// +listType=atomic
	Segments []RunSegment `json:"segments,omitempty" protobuf:"bytes,12,rep,name=segments"`
	// DailyUsage is the usage of segments folded away, by UTC day.
	// +optional
	// +listType=atomic
	DailyUsage []DailyUsage `json:"dailyUsage,omitempty" protobuf:"bytes,13,rep,name=dailyUsage"`
	// Drift is what the drift controller found under its organization's
	// drift policy.
	// +optional
	Drift *EnvironmentDrift `json:"drift,omitempty" protobuf:"bytes,14,opt,name=drift"`
	// LastReady is the last blueprint under which every service was
	// Ready: where diagnose rolls a service back to.
	// +optional
	LastReady *ReadyBlueprint `json:"lastReady,omitempty" protobuf:"bytes,15,opt,name=lastReady"`
	// Remediations are the latest changes diagnose made, oldest first, at
	// most 10.
	// +optional
	// +listType=atomic
	Remediations []RemediationRecord `json:"remediations,omitempty" protobuf:"bytes,16,rep,name=remediations"`
}

// ServiceStatus is the observed state of one service.
type ServiceStatus struct {
	// Name of the blueprint service.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// DesiredReplicas is how many replicas should run.
	DesiredReplicas int32 `json:"desiredReplicas" protobuf:"varint,2,opt,name=desiredReplicas"`
	// ReadyReplicas is how many replicas pass their health check.
	ReadyReplicas int32 `json:"readyReplicas" protobuf:"varint,3,opt,name=readyReplicas"`
	// Health is Healthy, Unhealthy or Unknown.
	// +optional
	Health string `json:"health,omitempty" protobuf:"bytes,4,opt,name=health"`
	// Endpoint is where the service can be reached.
	// +optional
	Endpoint string `json:"endpoint,omitempty" protobuf:"bytes,5,opt,name=endpoint"`
	// Restarts counts how often the service's replicas were restarted.
	// +optional
	Restarts int32 `json:"restarts,omitempty" protobuf:"varint,6,opt,name=restarts"`
	// Message explains the health, for example why it is unhealthy.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,7,opt,name=message"`
	// Source, on an overlay, is "own" for a service the overlay runs and
	// "shared" for one of its baseline, reached at Endpoint.
	// +optional
	Source string `json:"source,omitempty" protobuf:"bytes,8,opt,name=source"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentList is a list of Environments.
type EnvironmentList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []Environment `json:"items" protobuf:"bytes,2,rep,name=items"`
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
