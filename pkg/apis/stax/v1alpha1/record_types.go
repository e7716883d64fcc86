package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:onlyVerbs=create,get,list,watch,delete,deleteCollection
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentRecord is the history of an environment that no longer exists:
// who ran what blueprint, when, and the resources it used. The control plane
// writes one when an environment is deleted; users only read them.
type EnvironmentRecord struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Environment is the name of the environment.
	Environment string `json:"environment"`
	// EnvironmentUID is the uid of the environment.
	EnvironmentUID string `json:"environmentUID"`
	// CreatedBy is the user who created the environment.
	// +optional
	CreatedBy string `json:"createdBy,omitempty"`
	// DisplayName the environment had last.
	// +optional
	DisplayName string `json:"displayName,omitempty"`
	// Blueprint the environment ran last.
	Blueprint Blueprint `json:"blueprint"`
	// CreatedAt is when the environment was created.
	CreatedAt metav1.Time `json:"createdAt"`
	// DeletedAt is when it was deleted.
	DeletedAt metav1.Time `json:"deletedAt"`
	// LastStoppedAt is when it last stopped, if it ever did.
	// +optional
	LastStoppedAt *metav1.Time `json:"lastStoppedAt,omitempty"`
	// RunningSeconds is how long, in all, it ran.
	RunningSeconds int64 `json:"runningSeconds"`
	// Usage is the resources it used.
	Usage ResourceUsage `json:"usage"`
	// Owner is the environment's stax.microstax.ai/owner label, else its
	// creator. The environment's labels are copied into the record's.
	// +optional
	Owner string `json:"owner,omitempty"`
	// Baseline names the Baseline the environment was an overlay of.
	// +optional
	Baseline string `json:"baseline,omitempty"`
	// Segments are the environment's last stretches of running, all closed.
	// +optional
	// +listType=atomic
	Segments []RunSegment `json:"segments,omitempty"`
	// DailyUsage is its earlier usage, by UTC day.
	// +optional
	// +listType=atomic
	DailyUsage []DailyUsage `json:"dailyUsage,omitempty"`
}

// ResourceUsage is compute used over time, from the blueprint's requests.
type ResourceUsage struct {
	// CPUCoreHours is requested CPU cores times hours run.
	CPUCoreHours string `json:"cpuCoreHours"`
	// MemoryGiBHours is requested memory in GiB times hours run.
	MemoryGiBHours string `json:"memoryGiBHours"`
	// ReplicaHours is replicas times hours run.
	ReplicaHours string `json:"replicaHours"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentRecordList is a list of EnvironmentRecords.
type EnvironmentRecordList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []EnvironmentRecord `json:"items"`
}
