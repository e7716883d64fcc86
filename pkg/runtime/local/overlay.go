package local

import (
	"github.com/microstax/stax/pkg/front"
)

// An overlay (a plan with Baseline) runs only its own services. Its
// services reach the ones it shares at the baseline's fronts, and the
// baseline's HTTP fronts send requests carrying the overlay's routing key
// (its name) to the overlay's replicas of each service it changes. Nothing
// here starts, stops or replaces a process of the baseline.

// routeTableLocked is the routing table of a service's front, made on
// first use; e.mu is held.
func (e *environment) routeTableLocked(name string) *front.Table {
	t := e.routes[name]
	if t == nil {
		t = front.NewTable()
		e.routes[name] = t
	}
	return t
}

// baseline is the environment an overlay branches from, nil when the plan
// is no overlay's or the runtime has never run the baseline.
func (e *environment) baseline() *environment {
	e.mu.Lock()
	b := e.plan.Baseline
	e.mu.Unlock()
	if b == nil {
		return nil
	}
	base, err := e.rt.lookup(e.org, b.Environment, false)
	if err != nil {
		return nil
	}
	return base
}

// routeOverlay registers the overlay's services on the baseline's fronts
// of the services it changes, and drops routes of services it no longer
// changes.
func (e *environment) routeOverlay() {
	base := e.baseline()
	if base == nil {
		return
	}
	e.mu.Lock()
	own := map[string]bool{}
	for _, sp := range e.plan.Services {
		own[sp.Name] = true
	}
	e.mu.Unlock()
	base.mu.Lock()
	defer base.mu.Unlock()
	for _, sp := range base.plan.Services {
		t := base.routeTableLocked(sp.Name)
		if !own[sp.Name] {
			t.Remove(e.name)
			continue
		}
		name := sp.Name
		t.Set(e.name, func() []string { return e.readyAddrs(name) })
	}
}

// unrouteOverlay drops every route of the overlay from its baseline.
func (e *environment) unrouteOverlay() {
	base := e.baseline()
	if base == nil {
		return
	}
	base.mu.Lock()
	defer base.mu.Unlock()
	for _, t := range base.routes {
		t.Remove(e.name)
	}
}

// sharedEndpointLocked is where the overlay reaches a service of its
// baseline; e.mu is held.
func (e *environment) sharedEndpointLocked(name string) string {
	s, _ := e.plan.Shared(name)
	return s.Endpoint
}

// sharedUnhealthy says which of names, shared with the baseline, are not
// healthy there, and returns a channel closed at the baseline's next
// readiness change (nil when there is no baseline to watch).
func (e *environment) sharedUnhealthy(names []string) ([]string, <-chan struct{}) {
	if len(names) == 0 {
		return nil, nil
	}
	base := e.baseline()
	if base == nil {
		return names, nil
	}
	changed := base.watch()
	return base.unhealthy(names), changed
}

// isShared says whether name is a baseline service of the overlay's plan.
func (e *environment) isShared(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.plan.Shared(name)
	return ok
}
