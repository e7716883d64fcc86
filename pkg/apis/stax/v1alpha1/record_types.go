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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Environment is the name of the environment.
	Environment string `json:"environment" protobuf:"bytes,2,opt,name=environment"`
	// EnvironmentUID is the uid of the environment.
	EnvironmentUID string `json:"environmentUID" protobuf:"bytes,3,opt,name=environmentUID"`
	// CreatedBy is the user who created the environment.
	// +optional
	CreatedBy string `json:"createdBy,omitempty" protobuf:"bytes,4,opt,name=createdBy"`
	// DisplayName the environment had last.
	// +optional
	DisplayName string `json:"displayName,omitempty" protobuf:"bytes,5,opt,name=displayName"`
	// Blueprint the environment ran last.
	Blueprint Blueprint `json:"blueprint" protobuf:"bytes,6,opt,name=blueprint"`
	// CreatedAt is when the environment was created.
	CreatedAt metav1.Time `json:"createdAt" protobuf:"bytes,7,opt,name=createdAt"`
	// DeletedAt is when it was deleted.
	DeletedAt metav1.Time `json:"deletedAt" protobuf:"bytes,8,opt,name=deletedAt"`
	// LastStoppedAt is when it last stopped, if it ever did.
	// +optional
	LastStoppedAt *metav1.Time `json:"lastStoppedAt,omitempty" protobuf:"bytes,9,opt,name=lastStoppedAt"`
	// RunningSeconds is how long, in all, it ran.
	RunningSeconds int64 `json:"runningSeconds" protobuf:"varint,10,opt,name=runningSeconds"`
	// Usage is the resources it used.
	Usage ResourceUsage `json:"usage" protobuf:"bytes,11,opt,name=usage"`
	// Owner is the environment's stax.microstax.ai/owner label, else its
	// creator. The environment's labels are copied into the record's.
	// +optional
	Owner string `json:"owner,omitempty" protobuf:"bytes,12,opt,name=owner"`
	// Baseline names the Baseline the environment was an overlay of.
	// +optional
	Baseline string `json:"baseline,omitempty" protobuf:"bytes,13,opt,name=baseline"`
	// Segments are the environment's last stretches of running, all closed.
	// +optional
	// +listType=atomic
	Segments []RunSegment `json:"segments,omitempty" protobuf:"bytes,14,rep,name=segments"`
	// DailyUsage is its earlier usage, by UTC day.
	// +optional
	// +listType=atomic
	DailyUsage []DailyUsage `json:"dailyUsage,omitempty" protobuf:"bytes,15,rep,name=dailyUsage"`
}

// ResourceUsage is compute used over time, from the blueprint's requests.
type ResourceUsage struct {
	// CPUCoreHours is requested CPU cores times hours run.
	CPUCoreHours string `json:"cpuCoreHours" protobuf:"bytes,1,opt,name=cpuCoreHours"`
	// MemoryGiBHours is requested memory in GiB times hours run.
	MemoryGiBHours string `json:"memoryGiBHours" protobuf:"bytes,2,opt,name=memoryGiBHours"`
	// ReplicaHours is replicas times hours run.
	ReplicaHours string `json:"replicaHours" protobuf:"bytes,3,opt,name=replicaHours"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentRecordList is a list of EnvironmentRecords.
type EnvironmentRecordList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []EnvironmentRecord `json:"items" protobuf:"bytes,2,rep,name=items"`
}
