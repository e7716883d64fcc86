package local

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/microstax/stax/pkg/runtime"
)

// checkName refuses names that are not a single path element, since
// names become directories and file names.
func checkName(what, name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return fmt.Errorf("local runtime: invalid %s name %q", what, name)
	}
	return nil
}

// validate checks what the runtime relies on: unique names, known and
// acyclic dependencies, probed ports that exist. It returns the index of
// the probed port of each service with a health check.
func validate(plan runtime.Plan) (map[string]int, error) {
	if err := checkName("organization", plan.Organization); err != nil {
		return nil, err
	}
	if err := checkName("environment", plan.Environment); err != nil {
		return nil, err
	}
	byName := map[string]runtime.ServicePlan{}
	probePorts := map[string]int{}
	for _, sp := range plan.Services {
		if err := checkName("service", sp.Name); err != nil {
			return nil, err
		}
		if _, dup := byName[sp.Name]; dup {
			return nil, fmt.Errorf("local runtime: service %q appears twice", sp.Name)
		}
		if sp.Replicas < 0 {
			return nil, fmt.Errorf("local runtime: service %q: negative replicas", sp.Name)
		}
		byName[sp.Name] = sp
		if sp.Health != nil {
			i, err := probePort(sp)
			if err != nil {
				return nil, err
			}
			probePorts[sp.Name] = i
		}
	}
	for _, sp := range plan.Services {
		for _, d := range sp.DependsOn {
			if _, ok := byName[d]; !ok {
				return nil, fmt.Errorf("local runtime: service %q depends on unknown service %q", sp.Name, d)
			}
		}
	}
	return probePorts, checkCycles(byName)
}

// probePort finds the health-checked port by name, or by number as the
// API allows, defaulting to the first port.
func probePort(sp runtime.ServicePlan) (int, error) {
	if len(sp.Ports) == 0 {
		return 0, fmt.Errorf("local runtime: service %q has a health check but no port", sp.Name)
	}
	name := sp.Health.PortName
	if name == "" {
		return 0, nil
	}
	for i, p := range sp.Ports {
		if p.Name == name || strconv.Itoa(int(p.Port)) == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("local runtime: service %q: health check port %q is not a port of the service", sp.Name, name)
}

func checkCycles(byName map[string]runtime.ServicePlan) error {
	const (
		visiting = 1
		done     = 2
	)
	mark := map[string]int{}
	var visit func(string, []string) error
	visit = func(n string, path []string) error {
		switch mark[n] {
		case visiting:
			return fmt.Errorf("local runtime: dependency cycle %s", strings.Join(append(path, n), " -> "))
		case done:
			return nil
		}
		mark[n] = visiting
		for _, d := range byName[n].DependsOn {
			if err := visit(d, append(path, n)); err != nil {
				return err
			}
		}
		mark[n] = done
		return nil
	}
	for n := range byName {
		if err := visit(n, nil); err != nil {
			return err
		}
	}
	return nil
}
