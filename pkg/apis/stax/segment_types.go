package stax

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RunSegment is one stretch of time an environment ran with the same
// requests. Segments are kept in the environment's status and copied into
// its record; past a limit the oldest are folded into daily usage.
type RunSegment struct {
	// Start is when the stretch began.
	Start metav1.Time
	// End is when it ended; unset while it runs.
	End *metav1.Time
	// Services are the requests each service held, from the plan (only the
	// environment's own services: an overlay's baseline runs and counts
	// on its own).
	Services []ServiceRequests
}

// ServiceRequests are what one service asked for while a segment ran.
type ServiceRequests struct {
	// Name of the blueprint service.
	Name string
	// Replicas that ran.
	Replicas int32
	// CPU each replica requested.
	CPU *resource.Quantity
	// Memory each replica requested.
	Memory *resource.Quantity
}

// DailyUsage is what an environment used on one UTC day, from segments
// folded away.
type DailyUsage struct {
	// Date is the day, YYYY-MM-DD in UTC.
	Date string
	// Services are each service's usage that day.
	Services []ServiceUsage
}

// ServiceUsage is one service's usage.
type ServiceUsage struct {
	// Name of the blueprint service.
	Name string
	// Usage is the resource-hours it held.
	Usage ResourceUsage
}
