package stax

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PriceSheet is what an hour of each requested resource costs an
// organization. Prices are decimal strings ("0.031611"), never negative.
// Unset fields, and an unset sheet, take the defaults: OpenCost's custom
// pricing (see pkg/cost.DefaultPrices). Only the organization's admins and
// platform admins change it; a member's change is refused (403).
type PriceSheet struct {
	// VCPUHour is the price of one requested vCPU (CPU core) for an hour.
	VCPUHour string
	// MemoryGiBHour is the price of one requested GiB of memory for an hour.
	MemoryGiBHour string
	// ReplicaHour is a platform fee per running replica and hour.
	ReplicaHour string
	// Currency is the ISO 4217 code the prices are in.
	Currency string
}

// DefaultRecordRetention is how long an organization keeps its
// EnvironmentRecords unless it says otherwise.
const DefaultRecordRetention = 400 * 24 * time.Hour

// RecordRetention is the one statement of how long an organization keeps
// its records, from its spec.recordRetention (internal or versioned).
func RecordRetention(d *metav1.Duration) time.Duration {
	if d != nil && d.Duration > 0 {
		return d.Duration
	}
	return DefaultRecordRetention
}
