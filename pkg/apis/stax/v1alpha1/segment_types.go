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
	Start metav1.Time `json:"start"`
	// End is when it ended; unset while it runs.
	// +optional
	End *metav1.Time `json:"end,omitempty"`
	// Services are the requests each service held, from the plan (only the
	// environment's own services: an overlay's baseline runs and counts
	// on its own).
	// +optional
	// +listType=map
	// +listMapKey=name
	Services []ServiceRequests `json:"services,omitempty"`
}

// ServiceRequests are what one service asked for while a segment ran.
type ServiceRequests struct {
	// Name of the blueprint service.
	Name string `json:"name"`
	// Replicas that ran.
	Replicas int32 `json:"replicas"`
	// CPU each replica requested.
	// +optional
	CPU *resource.Quantity `json:"cpu,omitempty"`
	// Memory each replica requested.
	// +optional
	Memory *resource.Quantity `json:"memory,omitempty"`
}

// DailyUsage is what an environment used on one UTC day, from segments
// folded away.
type DailyUsage struct {
	// Date is the day, YYYY-MM-DD in UTC.
	Date string `json:"date"`
	// Services are each service's usage that day.
	// +optional
	// +listType=map
	// +listMapKey=name
	Services []ServiceUsage `json:"services,omitempty"`
}

// ServiceUsage is one service's usage.
type ServiceUsage struct {
	// Name of the blueprint service.
	Name string `json:"name"`
	// Usage is the resource-hours it held.
	Usage ResourceUsage `json:"usage"`
}
