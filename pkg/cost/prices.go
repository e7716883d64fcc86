package cost

import (
	"fmt"
	"regexp"
)

// Prices is a price sheet: what an hour of each resource costs.
type Prices struct {
	// CPUHour is the price of one requested vCPU (core) for an hour.
	CPUHour float64
	// GiBHour is the price of one requested GiB of memory for an hour.
	GiBHour float64
	// ReplicaHour is a platform fee per running replica and hour.
	ReplicaHour float64
	// Currency is an ISO 4217 code.
	Currency string
}

// DefaultPrices is the one statement of the price sheet an organization
// gets without its own: OpenCost's default custom pricing (CPU
// $0.031611/vCPU-hour, RAM $0.004237/GiB-hour), no platform fee, in USD.
var DefaultPrices = Prices{CPUHour: 0.031611, GiBHour: 0.004237, ReplicaHour: 0, Currency: "USD"}

// Cost of u at these prices.
func (p Prices) Cost(u Usage) float64 {
	return u.CPUCoreHours*p.CPUHour + u.MemoryGiBHours*p.GiBHour + u.ReplicaHours*p.ReplicaHour
}

// HourlyCost of holding r for an hour.
func (p Prices) HourlyCost(r Rate) float64 { return p.Cost(r.For(1)) }

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidCurrency says code has the shape of an ISO 4217 alphabetic code.
func ValidCurrency(code string) error {
	if !currencyCode.MatchString(code) {
		return fmt.Errorf("must be an ISO 4217 code of three capital letters, such as USD or EUR")
	}
	return nil
}
