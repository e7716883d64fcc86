package validation

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/resource"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// ValidateOrganization checks a new Organization. Its name is also a
// namespace name, so it must be a DNS-1123 label.
func ValidateOrganization(org *stax.Organization) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&org.ObjectMeta, false,
		apimachineryvalidation.ValidateNamespaceName, field.NewPath("metadata"))
	return append(allErrs, validateOrganizationSpec(&org.Spec, field.NewPath("spec"))...)
}

// ValidateOrganizationUpdate checks a change to an Organization.
func ValidateOrganizationUpdate(org, old *stax.Organization) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&org.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, validateOrganizationSpec(&org.Spec, field.NewPath("spec"))...)
}

func validateOrganizationSpec(spec *stax.OrganizationSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	switch spec.Tier {
	case stax.TierStandard:
		if spec.RequestsPerMinute != nil {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("requestsPerMinute"),
				fmt.Sprintf("the standard tier is limited to %d requests/minute; only enterprise organizations set their own quota", stax.StandardRequestsPerMinute)))
		}
	case stax.TierEnterprise:
		if spec.RequestsPerMinute != nil && *spec.RequestsPerMinute < 1 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("requestsPerMinute"), *spec.RequestsPerMinute, "must be at least 1"))
		}
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("tier"), spec.Tier,
			[]stax.OrganizationTier{stax.TierStandard, stax.TierEnterprise}))
	}
	allErrs = append(allErrs, validateUsageSettings(spec, fldPath)...)
	return append(allErrs, validateOrganizationQuota(spec.Quota, fldPath.Child("quota"))...)
}

// validateOrganizationQuota refuses negative caps; zero is a valid cap
// (nothing more may be created), unset is unlimited.
func validateOrganizationQuota(q *stax.OrganizationQuota, fldPath *field.Path) field.ErrorList {
	if q == nil {
		return nil
	}
	var allErrs field.ErrorList
	for name, v := range map[string]*int32{"environments": q.Environments, "replicas": q.Replicas} {
		if v != nil && *v < 0 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child(name), *v, apimachineryvalidation.IsNegativeErrorMsg))
		}
	}
	for name, v := range map[string]*resource.Quantity{"cpu": q.CPU, "memory": q.Memory} {
		if v != nil && v.Sign() < 0 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child(name), v.String(), apimachineryvalidation.IsNegativeErrorMsg))
		}
	}
	// Map order is random; the answer should not be.
	sort.Slice(allErrs, func(i, j int) bool { return allErrs[i].Field < allErrs[j].Field })
	return allErrs
}
