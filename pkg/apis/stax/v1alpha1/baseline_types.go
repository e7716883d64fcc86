package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:method=CreateOverlay,verb=create,subresource=overlays,input=OverlayRequest,result=Environment
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Baseline is a Ready Environment promoted to a stable base that overlays
// branch from. Its blueprint is frozen at promotion; while it exists the
// environment's blueprint cannot change, and while overlays depend on it
// the environment can be neither stopped nor deleted.
type Baseline struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec names the promoted environment.
	Spec BaselineSpec `json:"spec" protobuf:"bytes,2,opt,name=spec"`
	// Status is set by the server and the baseline controller.
	// +optional
	Status BaselineStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// BaselineSpec is what a client asks for: which environment to promote.
type BaselineSpec struct {
	// EnvironmentRef names an Environment in the same namespace. It must be
	// Ready when the Baseline is created and never changes.
	EnvironmentRef EnvironmentReference `json:"environmentRef" protobuf:"bytes,1,opt,name=environmentRef"`
}

// EnvironmentReference names an Environment in the same organization.
type EnvironmentReference struct {
	// Name of the Environment.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
}

// BaselineStatus is the observed state of a Baseline.
type BaselineStatus struct {
	// Blueprint is the environment's blueprint when it was promoted, frozen:
	// the server sets it at create and nothing changes it.
	// +optional
	Blueprint Blueprint `json:"blueprint,omitempty" protobuf:"bytes,1,opt,name=blueprint"`
	// Phase is the phase of the environment, or Missing once it is gone.
	// +optional
	Phase EnvironmentPhase `json:"phase,omitempty" protobuf:"bytes,2,opt,name=phase,casttype=EnvironmentPhase"`
	// Overlays counts the Environments whose spec.baselineRef names this
	// Baseline.
	// +optional
	Overlays int32 `json:"overlays,omitempty" protobuf:"varint,3,opt,name=overlays"`
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
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []Baseline `json:"items" protobuf:"bytes,2,rep,name=items"`
}
