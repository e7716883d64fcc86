package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OverlayRequest is the body of POST baselines/{name}/overlays: it asks
// for a new overlay of the baseline, an Environment that runs only the
// services it changes or adds. The answer is that Environment.
type OverlayRequest struct {
	metav1.TypeMeta
	// ObjectMeta.Name, when set, must be the baseline's name.
	metav1.ObjectMeta

	// Spec is the overlay to create.
	Spec OverlayRequestSpec
}

// OverlayRequestSpec names the overlay and lists its service changes.
type OverlayRequestSpec struct {
	// Name of the Environment to create.
	Name string
	// DisplayName of the Environment.
	DisplayName string
	// AutoShutdown of the Environment.
	AutoShutdown *AutoShutdown
	// Services are the overlay's own services, each a change to a service
	// of the baseline or a whole new service.
	Services []ServiceChange
}

// ServiceChange changes one service of the baseline (the fields set
// replace the baseline's; env is merged by name) or, when the baseline has
// no service of that name, adds a whole new service.
type ServiceChange struct {
	// Name of the service.
	Name string
	// Image replaces the baseline's image.
	Image string
	// Command replaces the baseline's command.
	Command []string
	// Stub makes the service a stub serving the named Stub, instead of
	// the baseline's image and command; an image or a command makes a
	// stub of the baseline a process again.
	Stub *StubServiceSource
	// Args replace the baseline's args.
	Args []string
	// Env is merged by name into the baseline's variables.
	Env []EnvVar
	// Replicas replaces the baseline's count.
	Replicas *int32
	// Resources replace the baseline's requests and limits, each as a whole
	// when set.
	Resources *ResourceRequirements
	// Health replaces the baseline's health check.
	Health *HealthCheck
	// Ports of a new service; a service of the baseline keeps its own.
	Ports []ServicePort
	// DependsOn of a new service; a service of the baseline keeps its own.
	DependsOn []string
}
