package v1alpha1

// PriceSheet is what an hour of each requested resource costs an
// organization. Prices are decimal strings ("0.031611"), never negative.
// Unset fields, and an unset sheet, take the defaults: OpenCost's custom
// pricing (see pkg/cost.DefaultPrices). Only the organization's admins and
// platform admins change it; a member's change is refused (403).
type PriceSheet struct {
	// VCPUHour is the price of one requested vCPU (CPU core) for an hour.
	// +optional
	VCPUHour string `json:"vcpuHour,omitempty" protobuf:"bytes,1,opt,name=vcpuHour"`
	// MemoryGiBHour is the price of one requested GiB of memory for an hour.
	// +optional
	MemoryGiBHour string `json:"memoryGiBHour,omitempty" protobuf:"bytes,2,opt,name=memoryGiBHour"`
	// ReplicaHour is a platform fee per running replica and hour.
	// +optional
	ReplicaHour string `json:"replicaHour,omitempty" protobuf:"bytes,3,opt,name=replicaHour"`
	// Currency is the ISO 4217 code the prices are in.
	// +optional
	Currency string `json:"currency,omitempty" protobuf:"bytes,4,opt,name=currency"`
}
