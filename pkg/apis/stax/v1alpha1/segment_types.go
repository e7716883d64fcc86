package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RunSegment is one stretch of time an environment ran with the same
// requests. Segments are kept in the environment's status and copied into
// its record; past a limit the oldest are folded into daily usage.
type RunSegment struct {
	// Start is when the stretch began.
	Start metav1.Time `json:"start" protobuf:"bytes,1,opt,name=start"`
	// End is when it ended; unset while it runs.
	// +optional
	End *metav1.Time `json:"end,omitempty" protobuf:"bytes,2,opt,name=end"`
	// Services are the requests each service held, from the plan (only the
	// environment's own services: an overlay's baseline runs and counts
	// on its own).
	// +optional
	// +listType=map
	// +listMapKey=name
	Services []ServiceRequests `json:"services,omitempty" protobuf:"bytes,3,rep,name=services"`
}

// ServiceRequests are what one service asked for while a segment ran.
type ServiceRequests struct {
	// Name of the blueprint service.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Replicas that ran.
	Replicas int32 `json:"replicas" protobuf:"varint,2,opt,name=replicas"`
	// CPU each replica requested.
	// +optional
	CPU *resource.Quantity `json:"cpu,omitempty" protobuf:"bytes,3,opt,name=cpu"`
	// Memory each replica requested.
	// +optional
	Memory *resource.Quantity `json:"memory,omitempty" protobuf:"bytes,4,opt,name=memory"`
}

// DailyUsage is what an environment used on one UTC day, from segments
// folded away.
type DailyUsage struct {
	// Date is the day, YYYY-MM-DD in UTC.
	Date string `json:"date" protobuf:"bytes,1,opt,name=date"`
	// Services are each service's usage that day.
	// +optional
	// +listType=map
	// +listMapKey=name
	Services []ServiceUsage `json:"services,omitempty" protobuf:"bytes,2,rep,name=services"`
}

// ServiceUsage is one service's usage.
type ServiceUsage struct {
	// Name of the blueprint service.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Usage is the resource-hours it held.
	Usage ResourceUsage `json:"usage" protobuf:"bytes,2,opt,name=usage"`
}
