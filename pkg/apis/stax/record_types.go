package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentRecord is the history of an environment that no longer exists:
// who ran what blueprint, when, and the resources it used. The control plane
// writes one when an environment is deleted; users only read them.
type EnvironmentRecord struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// Environment is the name of the environment.
	Environment string
	// EnvironmentUID is the uid of the environment.
	EnvironmentUID string
	// CreatedBy is the user who created the environment.
	CreatedBy string
	// DisplayName the environment had last.
	DisplayName string
	// Blueprint the environment ran last.
	Blueprint Blueprint
	// CreatedAt is when the environment was created.
	CreatedAt metav1.Time
	// DeletedAt is when it was deleted.
	DeletedAt metav1.Time
	// LastStoppedAt is when it last stopped, if it ever did.
	LastStoppedAt *metav1.Time
	// RunningSeconds is how long, in all, it ran.
	RunningSeconds int64
	// Usage is the resources it used.
	Usage ResourceUsage
	// Owner is the environment's stax.microstax.ai/owner label, else its
	// creator; the environment's labels are the record's.
	Owner string
	// Baseline names the Baseline the environment was an overlay of.
	Baseline string
	// Segments and DailyUsage are its status's, the last segment closed.
	Segments   []RunSegment
	DailyUsage []DailyUsage
}

// ResourceUsage is compute used over time, from the blueprint's requests.
type ResourceUsage struct {
	// CPUCoreHours is requested CPU cores times hours run.
	CPUCoreHours string
	// MemoryGiBHours is requested memory in GiB times hours run.
	MemoryGiBHours string
	// ReplicaHours is replicas times hours run.
	ReplicaHours string
}

// LabelRecordEnvironment, on a record, names its environment; the
// environment's own labels are copied beside it.
const LabelRecordEnvironment = "stax.microstax.ai/environment"

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentRecordList is a list of EnvironmentRecords.
type EnvironmentRecordList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []EnvironmentRecord
}
