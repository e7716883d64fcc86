package runtime

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/microstax/stax/pkg/dependency"
)

// Validate is the one check every runtime makes before it runs a plan: what
// the API's validation guarantees for a blueprint, restated for plans that
// come from elsewhere (tests, tools), with the defaults filled in. A runtime
// adds only what is its own (the kubernetes runtime needs images, the local
// one commands).
func (p Plan) Validate() error {
	if err := CheckNames(p.Organization, p.Environment); err != nil {
		return err
	}
	byName := make(map[string]*ServicePlan, len(p.Services))
	names := make([]string, len(p.Services))
	for i := range p.Services {
		s := &p.Services[i]
		if err := checkLabel("service", s.Name); err != nil {
			return err
		}
		if byName[s.Name] != nil {
			return fmt.Errorf("service %q appears twice", s.Name)
		}
		byName[s.Name], names[i] = s, s.Name
		if s.Stub != nil && (s.Stub.Name == "" || len(s.Ports) == 0) {
			return fmt.Errorf("service %q: a stub service needs a Stub name and a port", s.Name)
		}
		if s.Replicas < 0 {
			return fmt.Errorf("service %q: negative replicas", s.Name)
		}
		if h := s.Health; h != nil {
			if h.Period <= 0 || h.FailureThreshold <= 0 {
				return fmt.Errorf("service %q: a health check needs a period and a failure threshold", s.Name)
			}
			if _, err := s.ProbePort(); err != nil {
				return err
			}
		}
	}
	shared := map[string]bool{}
	if b := p.Baseline; b != nil {
		if err := checkLabel("baseline environment", b.Environment); err != nil {
			return err
		}
		for _, s := range b.Shared {
			if byName[s.Name] != nil {
				return fmt.Errorf("service %q is both the overlay's and shared with the baseline", s.Name)
			}
			shared[s.Name] = true
		}
	}
	if err := p.validateShadow(); err != nil {
		return err
	}
	for _, s := range p.Services {
		for _, d := range s.DependsOn {
			if byName[d] == nil && !shared[d] {
				return fmt.Errorf("service %q depends on unknown service %q", s.Name, d)
			}
		}
	}
	// Shared services run in the baseline: no cycle passes through them here.
	own := func(n string) []string {
		var out []string
		for _, d := range byName[n].DependsOn {
			if byName[d] != nil {
				out = append(out, d)
			}
		}
		return out
	}
	if cycle := dependency.FindCycle(names, own); cycle != nil {
		return fmt.Errorf("dependency cycle %s", strings.Join(cycle, " -> "))
	}
	return nil
}

// ProbePort is the index in Ports of the port the health check probes: the
// one PortName names, else the first.
func (s ServicePlan) ProbePort() (int, error) {
	if len(s.Ports) == 0 {
		return 0, fmt.Errorf("service %q has a health check but no port", s.Name)
	}
	if s.Health == nil || s.Health.PortName == "" {
		return 0, nil
	}
	for i, p := range s.Ports {
		if p.Name == s.Health.PortName {
			return i, nil
		}
	}
	return 0, fmt.Errorf("service %q: health check port %q is not a port of the service", s.Name, s.Health.PortName)
}

// CheckNames refuses an organization or environment name that is not a
// DNS-1123 label, as every call that names an environment must.
func CheckNames(org, env string) error {
	if err := checkLabel("organization", org); err != nil {
		return err
	}
	return checkLabel("environment", env)
}

// checkLabel refuses names that are not DNS-1123 labels: runtimes make
// directories, namespaces and environment variables of them.
func checkLabel(what, name string) error {
	if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
		return fmt.Errorf("invalid %s name %q: %s", what, name, msgs[0])
	}
	return nil
}

// Shared is the baseline service an overlay shares under name, if any.
func (p Plan) Shared(name string) (BaselineService, bool) {
	if p.Baseline == nil {
		return BaselineService{}, false
	}
	for _, s := range p.Baseline.Shared {
		if s.Name == name {
			return s, true
		}
	}
	return BaselineService{}, false
}
