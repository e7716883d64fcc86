package runtime

import (
	"strconv"
	"strings"
)

// The environment contract: what every runtime tells a replica about where
// it listens and how it reaches its dependencies. This file is its one home
// (a test fails when the names appear elsewhere); docs/local-runtime.md and
// pkg/runtime/kubernetes/doc.go describe it for users.
const (
	// EnvPort is the port of the service's first port.
	EnvPort = "PORT"
	// envPortPrefix + NAME is the port of the port called name.
	envPortPrefix = "PORT_"
	// NAME + envURLSuffix is the address of the dependency called name.
	envURLSuffix = "_URL"

	EnvOrganization = "STAX_ORGANIZATION"
	EnvEnvironment  = "STAX_ENVIRONMENT"
	EnvService      = "STAX_SERVICE"
	// EnvReplica is the index of the replica, where the runtime knows it.
	EnvReplica = "STAX_REPLICA"
)

// Wiring is what a runtime decided for one replica.
type Wiring struct {
	// Ports are where the replica listens, one per port of the service.
	Ports []int32
	// DependencyURL is the address of a dependency; "" leaves it out.
	DependencyURL func(service string) string
	// Replica is the replica's index; -1 when the runtime does not know it
	// (a Deployment's pods are alike).
	Replica int
}

// Environ is a replica's environment: the blueprint's variables, then the
// runtime's, each name once and the later winning, as in a shell.
func Environ(org, env string, s ServicePlan, w Wiring) []EnvVar {
	vars := append([]EnvVar(nil), s.Env...)
	for i, p := range s.Ports {
		port := strconv.Itoa(int(w.Ports[i]))
		if i == 0 {
			vars = append(vars, EnvVar{Name: EnvPort, Value: port})
		}
		if p.Name != "" {
			vars = append(vars, EnvVar{Name: envPortPrefix + envName(p.Name), Value: port})
		}
	}
	for _, dep := range s.DependsOn {
		if url := w.DependencyURL(dep); url != "" {
			vars = append(vars, EnvVar{Name: DependencyURLVar(dep), Value: url})
		}
	}
	vars = append(vars, EnvVar{Name: EnvOrganization, Value: org}, EnvVar{Name: EnvEnvironment, Value: env}, EnvVar{Name: EnvService, Value: s.Name})
	if w.Replica >= 0 {
		vars = append(vars, EnvVar{Name: EnvReplica, Value: strconv.Itoa(w.Replica)})
	}
	last := make(map[string]int, len(vars))
	for i, e := range vars {
		last[e.Name] = i
	}
	out := vars[:0]
	for i, e := range vars {
		if last[e.Name] == i {
			out = append(out, e)
		}
	}
	return out
}

// DependencyURLVar is the variable that holds the address of service.
func DependencyURLVar(service string) string { return envName(service) + envURLSuffix }

// DependencyOf reports the service a variable gives the address of, if it
// is one of DependencyURLVar's.
func DependencyOf(variable string) (string, bool) {
	stem, ok := strings.CutSuffix(variable, envURLSuffix)
	return stem, ok && stem != ""
}

// envName is how a service or port name appears in a variable: upper case,
// dashes as underscores.
func envName(name string) string {
	return strings.ReplaceAll(strings.ToUpper(name), "-", "_")
}
