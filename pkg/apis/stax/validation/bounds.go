package validation

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/dependency"
)

// The bounds ratchet, as Kubernetes' ratcheting validation does: on an
// update (old != nil) a bound is enforced only where the value changed and
// grew, so an object stored under higher limits stays writable as long as a
// change does not make it worse. Per-service bounds compare with the old
// service of the same name; a new service meets the plain limits.

// validateBlueprintBounds checks the bounds of the whole blueprint: how many
// services, their replicas together, and how deep dependsOn goes. Call it
// once the graph has no cycle.
func validateBlueprintBounds(bp, old *stax.Blueprint, servicesPath *field.Path, l Limits) field.ErrorList {
	var allErrs field.ErrorList
	if old == nil {
		old = &stax.Blueprint{}
	}
	if n := len(bp.Services); over(n, len(old.Services), l.MaxServicesPerBlueprint) {
		allErrs = append(allErrs, field.TooMany(servicesPath, n, l.MaxServicesPerBlueprint))
	}
	if n := totalReplicas(bp); over(n, totalReplicas(old), l.MaxReplicasPerEnvironment) {
		allErrs = append(allErrs, field.Invalid(servicesPath, n, fmt.Sprintf(
			"the replicas of all services add up to %d; at most %d are allowed per environment", n, l.MaxReplicasPerEnvironment)))
	}
	depths := dependsOnDepths(bp)
	deepest, at := 0, -1
	for i, s := range bp.Services {
		if d := depths[s.Name]; d > deepest {
			deepest, at = d, i
		}
	}
	if at >= 0 && over(deepest, maxDepth(old), l.MaxDependencyDepth) {
		allErrs = append(allErrs, field.Invalid(servicesPath.Index(at).Child("dependsOn"), deepest, fmt.Sprintf(
			"starts a dependsOn chain %d deep; at most %d is allowed", deepest, l.MaxDependencyDepth)))
	}
	return allErrs
}

// validateServiceBounds checks the bounds of one service; old is the
// service of the same name before the update, or nil.
func validateServiceBounds(svc, old *stax.ServiceSpec, fldPath *field.Path, l Limits) field.ErrorList {
	var allErrs field.ErrorList
	if old == nil {
		old = &stax.ServiceSpec{}
	}
	tooMany := func(child string, n, oldN, limit int) {
		if over(n, oldN, limit) {
			allErrs = append(allErrs, field.TooMany(fldPath.Child(child), n, limit))
		}
	}
	tooMany("ports", len(svc.Ports), len(old.Ports), l.MaxPortsPerService)
	tooMany("env", len(svc.Env), len(old.Env), l.MaxEnvPerService)
	tooMany("dependsOn", len(svc.DependsOn), len(old.DependsOn), l.MaxDependenciesPerService)
	if n := replicas(svc); over(n, replicas(old), l.MaxReplicasPerService) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("replicas"), n,
			fmt.Sprintf("must be less than or equal to %d", l.MaxReplicasPerService)))
	}
	// An empty entry is an empty program name or an argument nobody meant.
	if !slices.Equal(svc.Command, old.Command) {
		allErrs = append(allErrs, noEmptyEntries(svc.Command, fldPath.Child("command"))...)
	}
	if !slices.Equal(svc.Args, old.Args) {
		allErrs = append(allErrs, noEmptyEntries(svc.Args, fldPath.Child("args"))...)
	}
	resPath := fldPath.Child("resources")
	allErrs = append(allErrs, validateQuantityBounds(svc.Resources.Requests, old.Resources.Requests, resPath.Child("requests"), l)...)
	allErrs = append(allErrs, validateQuantityBounds(svc.Resources.Limits, old.Resources.Limits, resPath.Child("limits"), l)...)
	return allErrs
}

// validateQuantityBounds keeps every quantity finite and cpu and memory
// within their limits. Values that do not parse or are negative are
// validateResourceList's to report.
func validateQuantityBounds(list, old stax.ResourceList, fldPath *field.Path, l Limits) field.ErrorList {
	var allErrs field.ErrorList
	for _, name := range sortedKeys(list) {
		q, err := ParseQuantity(list[name])
		if err != nil || q.Sign() < 0 {
			continue
		}
		if oldValue, had := old[name]; had {
			if oq, err := ParseQuantity(oldValue); err == nil && q.Cmp(oq) <= 0 {
				continue // not grown: ratchet
			}
		}
		value := list[name]
		p := fldPath.Key(name)
		switch {
		case q.Cmp(maxQuantity) > 0:
			allErrs = append(allErrs, field.Invalid(p, value.String(), fmt.Sprintf("must be finite: at most %s", maxQuantity.String())))
		case name == "cpu" && q.Cmp(l.MaxCPUPerService) > 0:
			allErrs = append(allErrs, field.Invalid(p, value.String(), fmt.Sprintf("must be at most %s cores per replica", l.MaxCPUPerService.String())))
		case name == "memory" && q.Cmp(l.MaxMemoryPerService) > 0:
			allErrs = append(allErrs, field.Invalid(p, value.String(), fmt.Sprintf("must be at most %s per replica", l.MaxMemoryPerService.String())))
		}
	}
	return allErrs
}

func noEmptyEntries(list []string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, s := range list {
		if s == "" {
			allErrs = append(allErrs, field.Required(fldPath.Index(i), "entries must not be empty"))
		}
	}
	return allErrs
}

// over says whether n breaks limit and is worse than what was stored.
func over(n, old, limit int) bool {
	return n > limit && n > old
}

// replicas is a service's replica count; the defaulter has set it by the
// time validation runs, so a nil here counts as none.
func replicas(svc *stax.ServiceSpec) int {
	if svc.Replicas == nil || *svc.Replicas < 0 {
		return 0
	}
	return int(*svc.Replicas)
}

func totalReplicas(bp *stax.Blueprint) int {
	total := 0
	for i := range bp.Services {
		total += replicas(&bp.Services[i])
	}
	return total
}

func dependsOnDepths(bp *stax.Blueprint) map[string]int {
	names := make([]string, len(bp.Services))
	deps := make(map[string][]string, len(bp.Services))
	for i, s := range bp.Services {
		names[i] = s.Name
		deps[s.Name] = s.DependsOn
	}
	return dependency.Depths(names, func(n string) []string { return deps[n] })
}

func maxDepth(bp *stax.Blueprint) int {
	deepest := 0
	for _, d := range dependsOnDepths(bp) {
		deepest = max(deepest, d)
	}
	return deepest
}

// servicesByName indexes the services of an old blueprint for the ratchet;
// nil for a create.
func servicesByName(old *stax.Blueprint) map[string]*stax.ServiceSpec {
	if old == nil {
		return nil
	}
	byName := make(map[string]*stax.ServiceSpec, len(old.Services))
	for i := range old.Services {
		byName[old.Services[i].Name] = &old.Services[i]
	}
	return byName
}
