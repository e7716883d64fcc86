package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Baseline is a Ready Environment promoted to a stable base that overlays
// branch from. Its blueprint is frozen at promotion; while it exists the
// environment's blueprint cannot change, and while overlays depend on it
// the environment can be neither stopped nor deleted.
type Baseline struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// Spec names the promoted environment.
	Spec BaselineSpec
	// Status is set by the server and the baseline controller.
	Status BaselineStatus
}

// BaselineSpec is what a client asks for: which environment to promote.
type BaselineSpec struct {
	// EnvironmentRef names an Environment in the same namespace. It must be
	// Ready when the Baseline is created and never changes.
	EnvironmentRef EnvironmentReference
}

// EnvironmentReference names an Environment in the same organization.
type EnvironmentReference struct {
	// Name of the Environment.
	Name string
}

// BaselineStatus is the observed state of a Baseline.
type BaselineStatus struct {
	// Blueprint is the environment's blueprint when it was promoted, frozen:
	// the server sets it at create and nothing changes it.
	Blueprint Blueprint
	// Phase is the phase of the environment, or Missing once it is gone.
	Phase EnvironmentPhase
	// Overlays counts the Environments whose spec.baselineRef names this
	// Baseline.
	Overlays int32
}

// BaselineEnvironmentMissing is a Baseline's phase once its environment
// was deleted (possible only while no overlay depends on it).
const BaselineEnvironmentMissing EnvironmentPhase = "Missing"

// BaselineFinalizer keeps a Baseline until no Environment names it in
// spec.baselineRef: the baseline controller removes it.
const BaselineFinalizer = "stax.microstax.ai/overlays"

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BaselineList is a list of Baselines.
type BaselineList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []Baseline
}
