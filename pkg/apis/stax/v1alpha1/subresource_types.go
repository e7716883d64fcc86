package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +k8s:conversion-gen:explicit-from=net/url.Values

// EnvironmentLogOptions are the query parameters of GET
// environments/{name}/log. The answer is the chosen replicas' output as
// text/plain.
type EnvironmentLogOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Service whose output is read; empty reads every service. It must be a
	// service of the environment's blueprint.
	// +optional
	Service string `json:"service,omitempty" protobuf:"bytes,1,opt,name=service"`
	// Replica of the service, counted from 0; unset reads every replica.
	// Needs service.
	// +optional
	Replica *int64 `json:"replica,omitempty" protobuf:"varint,2,opt,name=replica"`
	// TailLines starts with the last this many lines of each replica (0 or
	// more); unset starts at the beginning.
	// +optional
	TailLines *int64 `json:"tailLines,omitempty" protobuf:"varint,3,opt,name=tailLines"`
	// SinceSeconds starts with the lines written in the last this many
	// seconds (1 or more); unset starts at the beginning.
	// +optional
	SinceSeconds *int64 `json:"sinceSeconds,omitempty" protobuf:"varint,4,opt,name=sinceSeconds"`
	// Follow keeps the answer open and sends lines as they are written.
	// +optional
	Follow bool `json:"follow,omitempty" protobuf:"varint,5,opt,name=follow"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentAction is the body of POST environments/{name}/stop and
// environments/{name}/resume. It carries nothing but its metadata: {} (or
// no body at all) asks for the action. The answer is the Environment.
type EnvironmentAction struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. metadata.name, when set, must be the
	// environment's name.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
}
