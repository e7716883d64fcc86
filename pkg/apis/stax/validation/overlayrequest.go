package validation

import (
	"fmt"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// ValidateOverlayRequest checks the body of baselines/{baseline}/overlays
// against the baseline's frozen blueprint base. A change to a service of
// the baseline may set only image, command, stub, args, env, replicas,
// resources and health (its ports and dependsOn are the ones the baseline's other
// services reach and wait for); a service the baseline lacks is a whole new
// service and needs an image, a command or a stub. What the merged Environment must
// satisfy beyond this is its own validation's (ValidateEnvironment), with
// the Environment's paths.
func ValidateOverlayRequest(req *stax.OverlayRequest, baseline string, base *stax.Blueprint) field.ErrorList {
	var allErrs field.ErrorList
	if req.Name != "" && req.Name != baseline {
		allErrs = append(allErrs, field.Invalid(field.NewPath("metadata", "name"), req.Name,
			"must be empty or the name of the baseline ("+baseline+")"))
	}
	spec := field.NewPath("spec")
	if req.Spec.Name == "" {
		allErrs = append(allErrs, field.Required(spec.Child("name"), "the name of the overlay environment to create"))
	} else {
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(req.Spec.Name, false) {
			allErrs = append(allErrs, field.Invalid(spec.Child("name"), req.Spec.Name, msg))
		}
	}
	servicesPath := spec.Child("services")
	if len(req.Spec.Services) == 0 {
		return append(allErrs, field.Required(servicesPath, "an overlay changes or adds at least one service"))
	}
	inBase := serviceNames(base)
	seen := sets.New[string]()
	for i := range req.Spec.Services {
		c := &req.Spec.Services[i]
		p := servicesPath.Index(i)
		switch {
		case c.Name == "":
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
			continue
		case seen.Has(c.Name):
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), c.Name))
		}
		seen.Insert(c.Name)
		allErrs = append(allErrs, validateChangeEnvNames(c.Env, p.Child("env"))...)
		if inBase.Has(c.Name) {
			allErrs = append(allErrs, validateBaselineServiceChange(c, p)...)
		} else if c.Image == "" && len(c.Command) == 0 && c.Stub == nil {
			allErrs = append(allErrs, field.Required(p.Child("image"), fmt.Sprintf(
				"the baseline has no service %q: a new service must be complete, with an image, a command or a stub", c.Name)))
		}
	}
	return allErrs
}

// validateBaselineServiceChange refuses the fields a change to a baseline
// service may not set, and a change that sets nothing.
func validateBaselineServiceChange(c *stax.ServiceChange, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if c.Ports != nil {
		allErrs = append(allErrs, field.Forbidden(p.Child("ports"),
			"a service of the baseline keeps its ports: the baseline's services reach it on them"))
	}
	if c.DependsOn != nil {
		allErrs = append(allErrs, field.Forbidden(p.Child("dependsOn"),
			"a service of the baseline keeps its dependsOn"))
	}
	if c.Image == "" && c.Command == nil && c.Stub == nil && c.Args == nil && c.Env == nil && c.Replicas == nil &&
		c.Resources == nil && c.Health == nil && len(allErrs) == 0 {
		allErrs = append(allErrs, field.Required(p, fmt.Sprintf(
			"a change to service %q sets at least one of image, command, stub, args, env, replicas, resources, health", c.Name)))
	}
	return allErrs
}

// validateChangeEnvNames refuses a variable named twice in one change: the
// merge by name would keep only one of them.
func validateChangeEnvNames(env []stax.EnvVar, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	names := sets.New[string]()
	for i, ev := range env {
		if names.Has(ev.Name) {
			allErrs = append(allErrs, field.Duplicate(p.Index(i).Child("name"), ev.Name))
		}
		names.Insert(ev.Name)
	}
	return allErrs
}
