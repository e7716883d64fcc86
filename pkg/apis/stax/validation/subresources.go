package validation

import (
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// ValidateEnvironmentLogOptions checks the options of environments/log
// against the environment they read: the service must be one of its
// blueprint, a replica needs a service, tailLines is at least 0 and
// sinceSeconds at least 1. Paths are the query parameters' names.
func ValidateEnvironmentLogOptions(opts *stax.EnvironmentLogOptions, env *stax.Environment) field.ErrorList {
	var allErrs field.ErrorList
	if opts.Service != "" && !hasService(env, opts.Service) {
		allErrs = append(allErrs, field.NotFound(field.NewPath("service"), opts.Service))
	}
	if opts.Replica != nil {
		if opts.Service == "" {
			allErrs = append(allErrs, field.Required(field.NewPath("service"), "replica needs a service"))
		}
		allErrs = append(allErrs, apimachineryvalidation.ValidateNonnegativeField(*opts.Replica, field.NewPath("replica"))...)
	}
	if opts.TailLines != nil {
		allErrs = append(allErrs, apimachineryvalidation.ValidateNonnegativeField(*opts.TailLines, field.NewPath("tailLines"))...)
	}
	if opts.SinceSeconds != nil && *opts.SinceSeconds < 1 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("sinceSeconds"), *opts.SinceSeconds, "must be greater than 0"))
	}
	return allErrs
}

func hasService(env *stax.Environment, name string) bool {
	for _, s := range env.Spec.Blueprint.Services {
		if s.Name == name {
			return true
		}
	}
	return false
}

// ValidateEnvironmentAction checks the body of environments/stop and
// environments/resume sent for the environment name: metadata.name, when
// set, must be that name.
func ValidateEnvironmentAction(action *stax.EnvironmentAction, name string) field.ErrorList {
	var allErrs field.ErrorList
	if action.Name != "" && action.Name != name {
		allErrs = append(allErrs, field.Invalid(field.NewPath("metadata", "name"), action.Name,
			"must be empty or the name of the environment ("+name+")"))
	}
	return allErrs
}
