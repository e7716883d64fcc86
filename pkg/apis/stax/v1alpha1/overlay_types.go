package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OverlayRequest is the body of POST baselines/{name}/overlays: it asks
// for a new overlay of the baseline, an Environment that runs only the
// services it changes or adds, each merged over the baseline's frozen
// blueprint. The answer is that Environment.
type OverlayRequest struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. metadata.name, when set, must be the
	// baseline's name.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the overlay to create.
	Spec OverlayRequestSpec `json:"spec" protobuf:"bytes,2,opt,name=spec"`
}

// OverlayRequestSpec names the overlay and lists its service changes.
type OverlayRequestSpec struct {
	// Name of the Environment to create, in the baseline's namespace.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// DisplayName of the Environment.
	// +optional
	DisplayName string `json:"displayName,omitempty" protobuf:"bytes,2,opt,name=displayName"`
	// AutoShutdown of the Environment.
	// +optional
	AutoShutdown *AutoShutdown `json:"autoShutdown,omitempty" protobuf:"bytes,3,opt,name=autoShutdown"`
	// Services are the overlay's own services, at least one: each a change
	// to a service of the baseline or a whole new service.
	// +listType=map
	// +listMapKey=name
	Services []ServiceChange `json:"services" protobuf:"bytes,4,rep,name=services"`
}

// ServiceChange changes one service of the baseline (the fields set
// replace the baseline's; env is merged by name) or, when the baseline has
// no service of that name, adds a whole new service, which needs an image,
// a command or a stub.
type ServiceChange struct {
	// Name of the service.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Image replaces the baseline's image.
	// +optional
	Image string `json:"image,omitempty" protobuf:"bytes,2,opt,name=image"`
	// Command replaces the baseline's command.
	// +optional
	// +listType=atomic
	Command []string `json:"command,omitempty" protobuf:"bytes,3,rep,name=command"`
	// Stub makes the service a stub serving the named Stub of the
	// namespace instead of the baseline's image, command and args (and its
	// health check, unless this change sets one: a stub's default probes
	// /_stub/healthz). An image or a command makes a stub of the baseline a
	// process again. A new service needs an image, a command or a stub.
	// +optional
	Stub *StubServiceSource `json:"stub,omitempty" protobuf:"bytes,4,opt,name=stub"`
	// Args replace the baseline's args.
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty" protobuf:"bytes,5,rep,name=args"`
	// Env is merged by name into the baseline's variables: a variable
	// named here replaces the baseline's of that name, the others stay.
	// +optional
	// +listType=map
	// +listMapKey=name
	Env []EnvVar `json:"env,omitempty" protobuf:"bytes,6,rep,name=env"`
	// Replicas replaces the baseline's count. A new service defaults to 1.
	// +optional
	Replicas *int32 `json:"replicas,omitempty" protobuf:"varint,7,opt,name=replicas"`
	// Resources replace the baseline's requests and limits, each as a
	// whole when set.
	// +optional
	Resources *ResourceRequirements `json:"resources,omitempty" protobuf:"bytes,8,opt,name=resources"`
	// Health replaces the baseline's health check.
	// +optional
	Health *HealthCheck `json:"health,omitempty" protobuf:"bytes,9,opt,name=health"`
	// Ports of a new service. A service of the baseline keeps its own:
	// setting them for one is refused.
	// +optional
	// +listType=map
	// +listMapKey=name
	Ports []ServicePort `json:"ports,omitempty" protobuf:"bytes,10,rep,name=ports"`
	// DependsOn of a new service, naming the overlay's services or the
	// baseline's. A service of the baseline keeps its own: setting them for
	// one is refused.
	// +optional
	// +listType=set
	DependsOn []string `json:"dependsOn,omitempty" protobuf:"bytes,11,rep,name=dependsOn"`
}
