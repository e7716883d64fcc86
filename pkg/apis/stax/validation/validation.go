// Package validation checks stax.microstax.ai objects and reports every
// problem with the path of the field that holds it.
package validation

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/dependency"
)

// ValidateEnvironment checks a new Environment against limits. base is the
// frozen blueprint of the Baseline an overlay names (spec.baselineRef), nil
// for an environment that is not an overlay: an overlay's blueprint is
// checked as its union with base (overlay.go).
func ValidateEnvironment(env *stax.Environment, base *stax.Blueprint, limits Limits) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&env.ObjectMeta, true,
		apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateEnvironmentSpec(&env.Spec, nil, base, field.NewPath("spec"), limits)...)
	return allErrs
}

// ValidateEnvironmentUpdate checks a change to an Environment's spec. The
// bounds of limits ratchet (bounds.go): what old already held stays allowed;
// so do the dependencies old already had on services of a baseline that is
// gone. base is as for ValidateEnvironment, nil also when the Baseline is
// gone.
func ValidateEnvironmentUpdate(env, old *stax.Environment, base *stax.Blueprint, limits Limits) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&env.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, validateEnvironmentSpec(&env.Spec, &old.Spec.Blueprint, base, field.NewPath("spec"), limits)...)
	allErrs = append(allErrs, apimachineryvalidation.ValidateImmutableField(
		env.Spec.BaselineRef, old.Spec.BaselineRef, field.NewPath("spec", "baselineRef"))...)
	return allErrs
}

// ValidateEnvironmentStatusUpdate checks a change made through the status
// subresource.
func ValidateEnvironmentStatusUpdate(env, old *stax.Environment) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&env.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, validateEnvironmentStatus(&env.Status, field.NewPath("status"))...)
	return allErrs
}

// validateEnvironmentSpec checks a spec: the blueprint, auto-shutdown and
// the baseline reference. old is the stored blueprint on an update, nil on
// a create; base as for ValidateEnvironment.
func validateEnvironmentSpec(spec *stax.EnvironmentSpec, old, base *stax.Blueprint, fldPath *field.Path, limits Limits) field.ErrorList {
	var allErrs field.ErrorList
	if len(spec.DisplayName) > 253 {
		allErrs = append(allErrs, field.TooLong(fldPath.Child("displayName"), "", 253))
	}
	if base != nil && spec.BaselineRef == nil {
		base = nil // only an overlay has a base
	}
	allErrs = append(allErrs, validateBlueprint(&spec.Blueprint, old, base, fldPath.Child("blueprint"), limits.WithDefaults())...)
	if as := spec.AutoShutdown; as != nil {
		if as.IdleTimeout != nil && as.IdleTimeout.Duration <= 0 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("autoShutdown", "idleTimeout"), as.IdleTimeout.Duration.String(), "must be greater than zero"))
		}
		if as.TimeToLive != nil && as.TimeToLive.Duration <= 0 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("autoShutdown", "timeToLive"), as.TimeToLive.Duration.String(), "must be greater than zero"))
		}
	}
	if ref := spec.BaselineRef; ref != nil {
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(ref.Name, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("baselineRef", "name"), ref.Name, msg))
		}
	}
	allErrs = append(allErrs, validateShadow(spec, base, fldPath.Child("shadow"))...)
	return allErrs
}

// validateBlueprint checks the services of bp, the graph their dependsOn
// lists make, and the bounds of limits. old is the stored blueprint on an
// update (the bounds ratchet against it), nil on a create; base, when bp is
// an overlay's, holds the baseline's services its own may depend on.
func validateBlueprint(bp, old, base *stax.Blueprint, fldPath *field.Path, limits Limits) field.ErrorList {
	var allErrs field.ErrorList
	servicesPath := fldPath.Child("services")
	if len(bp.Services) == 0 {
		return append(allErrs, field.Required(servicesPath, "a blueprint needs at least one service"))
	}
	names := sets.New[string]()
	oldServices := servicesByName(old)
	for i := range bp.Services {
		svc := &bp.Services[i]
		idxPath := servicesPath.Index(i)
		if names.Has(svc.Name) {
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("name"), svc.Name))
		}
		names.Insert(svc.Name)
		allErrs = append(allErrs, validateService(svc, idxPath)...)
		allErrs = append(allErrs, validateServiceBounds(svc, oldServices[svc.Name], idxPath, limits)...)
	}
	// Dependencies are checked once every name is known: the blueprint's
	// own and, for an overlay, its baseline's.
	known := names.Union(serviceNames(base))
	for i := range bp.Services {
		svc := &bp.Services[i]
		depPath := servicesPath.Index(i).Child("dependsOn")
		seen := sets.New[string]()
		var had sets.Set[string]
		if o := oldServices[svc.Name]; o != nil {
			had = sets.New(o.DependsOn...)
		}
		for j, dep := range svc.DependsOn {
			switch {
			case seen.Has(dep):
				allErrs = append(allErrs, field.Duplicate(depPath.Index(j), dep))
			case dep == svc.Name:
				allErrs = append(allErrs, field.Invalid(depPath.Index(j), dep, "a service cannot depend on itself"))
			case !known.Has(dep) && !had.Has(dep):
				allErrs = append(allErrs, field.NotFound(depPath.Index(j), dep))
			}
			seen.Insert(dep)
		}
	}
	if cycle := findCycle(unionServices(bp, base)); cycle != nil {
		return append(allErrs, field.Invalid(servicesPath, strings.Join(cycle, " -> "),
			"dependsOn must not form a cycle: "+strings.Join(cycle, " -> ")))
	}
	return append(allErrs, validateBlueprintBounds(bp, old, servicesPath, limits)...)
}

func validateService(svc *stax.ServiceSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if svc.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	} else {
		for _, msg := range utilvalidation.IsDNS1123Label(svc.Name) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), svc.Name, msg))
		}
	}
	allErrs = append(allErrs, validateServiceSource(svc, fldPath)...)
	if svc.Replicas != nil && *svc.Replicas < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("replicas"), *svc.Replicas, "must be greater than or equal to 0"))
	}

	envNames := sets.New[string]()
	for i, ev := range svc.Env {
		p := fldPath.Child("env").Index(i).Child("name")
		if ev.Name == "" {
			allErrs = append(allErrs, field.Required(p, ""))
			continue
		}
		for _, msg := range utilvalidation.IsEnvVarName(ev.Name) {
			allErrs = append(allErrs, field.Invalid(p, ev.Name, msg))
		}
		if envNames.Has(ev.Name) {
			allErrs = append(allErrs, field.Duplicate(p, ev.Name))
		}
		envNames.Insert(ev.Name)
		allErrs = append(allErrs, validateEnvVarValue(ev, fldPath.Child("env").Index(i))...)
	}

	portNames := sets.New[string]()
	portNumbers := sets.New[int32]()
	for i, port := range svc.Ports {
		p := fldPath.Child("ports").Index(i)
		if port.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
		} else {
			for _, msg := range utilvalidation.IsValidPortName(port.Name) {
				allErrs = append(allErrs, field.Invalid(p.Child("name"), port.Name, msg))
			}
			if portNames.Has(port.Name) {
				allErrs = append(allErrs, field.Duplicate(p.Child("name"), port.Name))
			}
			portNames.Insert(port.Name)
		}
		for _, msg := range utilvalidation.IsValidPortNum(int(port.Port)) {
			allErrs = append(allErrs, field.Invalid(p.Child("port"), port.Port, msg))
		}
		if portNumbers.Has(port.Port) {
			allErrs = append(allErrs, field.Duplicate(p.Child("port"), port.Port))
		}
		portNumbers.Insert(port.Port)
		if port.Protocol != stax.ProtocolTCP && port.Protocol != stax.ProtocolUDP {
			allErrs = append(allErrs, field.NotSupported(p.Child("protocol"), port.Protocol, []stax.Protocol{stax.ProtocolTCP, stax.ProtocolUDP}))
		}
		if port.AppProtocol != "" && (port.AppProtocol != stax.AppProtocolHTTP || port.Protocol != stax.ProtocolTCP) {
			// Only HTTP over TCP has an aware front; any other would be ignored.
			allErrs = append(allErrs, field.NotSupported(p.Child("appProtocol"), port.AppProtocol, []string{stax.AppProtocolHTTP + " (over TCP)"}))
		}
	}

	allErrs = append(allErrs, validateResourceList(svc.Resources.Requests, fldPath.Child("resources", "requests"))...)
	allErrs = append(allErrs, validateResourceList(svc.Resources.Limits, fldPath.Child("resources", "limits"))...)
	allErrs = append(allErrs, validateLimitsCoverRequests(&svc.Resources, fldPath.Child("resources"))...)

	if svc.Health != nil {
		allErrs = append(allErrs, validateHealth(svc.Health, svc.Ports, fldPath.Child("health"))...)
	}
	return allErrs
}

// ParseQuantity reads a resource value as written in a blueprint.
func ParseQuantity(v intstr.IntOrString) (resource.Quantity, error) {
	return resource.ParseQuantity((&v).String())
}

func validateResourceList(list stax.ResourceList, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, name := range sortedKeys(list) {
		p := fldPath.Key(name)
		value := list[name]
		for _, msg := range utilvalidation.IsQualifiedName(name) {
			allErrs = append(allErrs, field.Invalid(p, name, "resource name "+msg))
		}
		q, err := ParseQuantity(list[name])
		if err != nil {
			allErrs = append(allErrs, field.Invalid(p, value.String(), "must be a quantity such as 500m, 2 or 1Gi"))
			continue
		}
		if q.Sign() < 0 {
			allErrs = append(allErrs, field.Invalid(p, value.String(), "must be greater than or equal to 0"))
		}
	}
	return allErrs
}

func validateLimitsCoverRequests(r *stax.ResourceRequirements, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, name := range sortedKeys(r.Requests) {
		limit, hasLimit := r.Limits[name]
		if !hasLimit {
			continue
		}
		request := r.Requests[name]
		rq, err1 := ParseQuantity(request)
		lq, err2 := ParseQuantity(limit)
		if err1 == nil && err2 == nil && rq.Cmp(lq) > 0 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("requests").Key(name), request.String(),
				fmt.Sprintf("must be less than or equal to the %s limit (%s)", name, (&limit).String())))
		}
	}
	return allErrs
}

func validateHealth(h *stax.HealthCheck, ports []stax.ServicePort, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	switch {
	case h.HTTP == nil && h.TCP == nil:
		allErrs = append(allErrs, field.Required(fldPath, "one of http or tcp is required"))
	case h.HTTP != nil && h.TCP != nil:
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("tcp"), "only one of http or tcp may be set"))
	case h.HTTP != nil:
		if !strings.HasPrefix(h.HTTP.Path, "/") {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("http", "path"), h.HTTP.Path, "must start with /"))
		}
		allErrs = append(allErrs, validatePortReference(h.HTTP.Port, ports, fldPath.Child("http", "port"))...)
	default:
		allErrs = append(allErrs, validatePortReference(h.TCP.Port, ports, fldPath.Child("tcp", "port"))...)
	}
	if h.PeriodSeconds < 1 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("periodSeconds"), h.PeriodSeconds, "must be at least 1"))
	}
	if h.FailureThreshold < 1 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("failureThreshold"), h.FailureThreshold, "must be at least 1"))
	}
	return allErrs
}

// validatePortReference requires a probe to name one of the service's own
// ports, by name or by number, so that every runtime knows what to probe.
func validatePortReference(ref intstr.IntOrString, ports []stax.ServicePort, fldPath *field.Path) field.ErrorList {
	for _, p := range ports {
		if (ref.Type == intstr.String && ref.StrVal == p.Name) || (ref.Type == intstr.Int && ref.IntVal == p.Port) {
			return nil
		}
	}
	return field.ErrorList{field.NotFound(fldPath, ref.String())}
}

func validateEnvironmentStatus(status *stax.EnvironmentStatus, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if status.Phase != "" && !validPhases.Has(status.Phase) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("phase"), status.Phase, sets.List(validPhases)))
	}
	if status.ObservedGeneration < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("observedGeneration"), status.ObservedGeneration, "must be greater than or equal to 0"))
	}
	allErrs = append(allErrs, metav1validation.ValidateConditions(status.Conditions, fldPath.Child("conditions"))...)
	allErrs = append(allErrs, validateEnvironmentDrift(status.Drift, fldPath.Child("drift"))...)
	return allErrs
}

var validPhases = sets.New(
	stax.EnvironmentPending, stax.EnvironmentProvisioning, stax.EnvironmentReady, stax.EnvironmentDegraded,
	stax.EnvironmentStopping, stax.EnvironmentStopped, stax.EnvironmentResuming, stax.EnvironmentTerminating,
	stax.EnvironmentFailed,
)

// findCycle is the dependsOn cycle of a blueprint, in blueprint order.
func findCycle(services []stax.ServiceSpec) []string {
	names := make([]string, len(services))
	deps := make(map[string][]string, len(services))
	for i, s := range services {
		names[i] = s.Name
		deps[s.Name] = s.DependsOn
	}
	return dependency.FindCycle(names, func(n string) []string { return deps[n] })
}

func sortedKeys(list stax.ResourceList) []string {
	keys := make([]string, 0, len(list))
	for k := range list {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
