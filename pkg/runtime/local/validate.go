package local

import (
	"fmt"

	"github.com/microstax/stax/pkg/runtime"
)

// validate checks the plan (runtime.Plan.Validate: names, dependencies,
// probes) and returns the index of the probed port of each service with a
// health check.
func validate(plan runtime.Plan) (map[string]int, error) {
	if err := plan.Validate(); err != nil {
		return nil, fmt.Errorf("local runtime: %w", err)
	}
	probePorts := map[string]int{}
	for _, sp := range plan.Services {
		if sp.Health != nil {
			probePorts[sp.Name], _ = sp.ProbePort() // Validate checked it
		}
	}
	return probePorts, nil
}
