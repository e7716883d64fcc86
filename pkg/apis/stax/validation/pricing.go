package validation

import (
	"regexp"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/cost"
)

// price is a plain non-negative decimal: no sign, exponent, NaN or Inf.
var price = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,9})?$`)

// Prices turns an organization's price sheet into pkg/cost's, each unset
// field taking cost.DefaultPrices'; errors name the field at fldPath.
func Prices(sheet *stax.PriceSheet, fldPath *field.Path) (cost.Prices, field.ErrorList) {
	p := cost.DefaultPrices
	if sheet == nil {
		return p, nil
	}
	var allErrs field.ErrorList
	for _, f := range []struct {
		name  string
		value string
		into  *float64
	}{
		{"vcpuHour", sheet.VCPUHour, &p.CPUHour},
		{"memoryGiBHour", sheet.MemoryGiBHour, &p.GiBHour},
		{"replicaHour", sheet.ReplicaHour, &p.ReplicaHour},
	} {
		if f.value == "" {
			continue
		}
		if !price.MatchString(f.value) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child(f.name), f.value, "must be a non-negative decimal such as 0.031611"))
			continue
		}
		*f.into, _ = strconv.ParseFloat(f.value, 64)
	}
	if sheet.Currency != "" {
		if err := cost.ValidCurrency(sheet.Currency); err != nil {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("currency"), sheet.Currency, err.Error()))
		}
		p.Currency = sheet.Currency
	}
	return p, allErrs
}

// minRecordRetention keeps a day of history at least, so that a slip of a
// unit does not delete every record at once.
const minRecordRetention = 24 * time.Hour

func validateUsageSettings(spec *stax.OrganizationSpec, fldPath *field.Path) field.ErrorList {
	_, allErrs := Prices(spec.Pricing, fldPath.Child("pricing"))
	if r := spec.RecordRetention; r != nil && r.Duration < minRecordRetention {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("recordRetention"), r.Duration.String(), "must be at least 24h"))
	}
	return allErrs
}
