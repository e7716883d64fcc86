package baseline

import (
	"github.com/microstax/stax/pkg/apis/stax"
)

// MergeOverlay is the blueprint of an overlay: one service per change, in
// the changes' order and nothing else of the baseline. A change to a
// service of base is merged over a copy of it: image, command, args,
// replicas, resources' requests and limits, and health replace the
// baseline's when set (a present but empty command or args clears them);
// env is merged by name, the baseline's order kept and new variables
// appended. A change of what the service runs, a stub for an image or a
// command or the other way round, drops what the baseline ran with it
// (switchSource). A change base lacks becomes a whole new service.
// ValidateOverlayRequest has refused what may not be merged.
func MergeOverlay(base *stax.Blueprint, changes []stax.ServiceChange) stax.Blueprint {
	byName := map[string]*stax.ServiceSpec{}
	for i := range base.Services {
		byName[base.Services[i].Name] = &base.Services[i]
	}
	var out stax.Blueprint
	for i := range changes {
		c := changes[i].DeepCopy()
		svc, ok := byName[c.Name]
		if !ok {
			out.Services = append(out.Services, newService(c))
			continue
		}
		merged := *svc.DeepCopy()
		switchSource(&merged, c)
		if c.Image != "" {
			merged.Image = c.Image
		}
		if c.Command != nil {
			merged.Command = c.Command
		}
		if c.Args != nil {
			merged.Args = c.Args
		}
		merged.Env = mergeEnv(merged.Env, c.Env)
		if c.Replicas != nil {
			merged.Replicas = c.Replicas
		}
		if r := c.Resources; r != nil {
			if r.Requests != nil {
				merged.Resources.Requests = r.Requests
			}
			if r.Limits != nil {
				merged.Resources.Limits = r.Limits
			}
		}
		if c.Health != nil {
			merged.Health = c.Health
		}
		out.Services = append(out.Services, merged)
	}
	return out
}

// switchSource makes a baseline's process a stub when the change names
// one, dropping its image, command and args (a stub runs stax-stub), and a
// baseline's stub a process when the change gives an image or a command.
// Either way the baseline's health check probed what ran before: it goes
// unless the change sets one (a stub's default then probes
// /_stub/healthz).
func switchSource(merged *stax.ServiceSpec, c *stax.ServiceChange) {
	switch {
	case c.Stub != nil:
		merged.Stub, merged.Image, merged.Command, merged.Args = c.Stub, "", nil, nil
	case merged.Stub != nil && (c.Image != "" || c.Command != nil):
		merged.Stub = nil
	default:
		return
	}
	merged.Health = nil
}

// newService is a change to no service of the baseline: all of it.
func newService(c *stax.ServiceChange) stax.ServiceSpec {
	svc := stax.ServiceSpec{
		Name: c.Name, Image: c.Image, Command: c.Command, Stub: c.Stub, Args: c.Args, Env: c.Env,
		Ports: c.Ports, Replicas: c.Replicas, Health: c.Health, DependsOn: c.DependsOn,
	}
	if c.Resources != nil {
		svc.Resources = *c.Resources
	}
	return svc
}

// mergeEnv replaces the variables of base named in changes, in place, and
// appends the others.
func mergeEnv(base, changes []stax.EnvVar) []stax.EnvVar {
	if len(changes) == 0 {
		return base
	}
	at := map[string]int{}
	for i, ev := range base {
		at[ev.Name] = i
	}
	for _, ev := range changes {
		if i, ok := at[ev.Name]; ok {
			base[i] = ev
			continue
		}
		at[ev.Name] = len(base)
		base = append(base, ev)
	}
	return base
}
