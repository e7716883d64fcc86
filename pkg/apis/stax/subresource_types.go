package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentLogOptions are the query parameters of GET
// environments/{name}/log.
type EnvironmentLogOptions struct {
	metav1.TypeMeta

	// Service whose output is read; empty reads every service.
	Service string
	// Replica of the service, counted from 0; nil reads every replica.
	// Needs Service.
	Replica *int64
	// TailLines starts with the last this many lines of each replica; nil
	// starts at the beginning.
	TailLines *int64
	// SinceSeconds starts with the lines written in the last this many
	// seconds; nil starts at the beginning.
	SinceSeconds *int64
	// Follow keeps the answer open and sends lines as they are written.
	Follow bool
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentAction is the body of POST environments/{name}/stop and
// environments/{name}/resume. It carries nothing but its metadata: an empty
// object asks for the action.
type EnvironmentAction struct {
	metav1.TypeMeta
	// ObjectMeta.Name, when set, must be the environment's name.
	metav1.ObjectMeta
}
