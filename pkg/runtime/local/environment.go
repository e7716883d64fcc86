package local

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/microstax/stax/pkg/front"
	"github.com/microstax/stax/pkg/runtime"
)

// environment holds the services, front proxies and files of one environment.
type environment struct {
	rt        *Runtime
	org, name string

	// op serialises Apply, Stop and Delete; mu guards the fields below and
	// is never held while waiting for processes.
	op       sync.Mutex
	mu       sync.Mutex
	plan     runtime.Plan
	services map[string]*service
	proxies  map[string]frontend
	// routes are the routing tables of the services' HTTP fronts, by
	// service: overlays register their replicas here (routeOverlay), and
	// the tables outlive fronts closed by a Stop.
	routes map[string]*front.Table
	// mirrors are the mirror tables of the services' HTTP fronts, by
	// service, as routes: overlays with a shadow install mirrors here.
	mirrors map[string]*front.MirrorTable
	// shadows are an overlay's shadowed services (shadow.go); e.op
	// guards them.
	shadows    map[string]*shadowCopy
	frontPorts map[string]int // kept across Stop so endpoints survive a resume
	stopped    bool
	gone       bool                  // deleted; a new environment takes the name
	retiring   map[*service]struct{} // replaced generations still shutting down

	changedMu sync.Mutex
	changed   chan struct{}
}

func newEnvironment(rt *Runtime, org, name string) *environment {
	return &environment{rt: rt, org: org, name: name,
		services: map[string]*service{}, proxies: map[string]frontend{}, routes: map[string]*front.Table{},
		mirrors: map[string]*front.MirrorTable{}, shadows: map[string]*shadowCopy{},
		frontPorts: map[string]int{}, retiring: map[*service]struct{}{},
		changed: make(chan struct{})}
}

func (e *environment) dir() string {
	return filepath.Join(e.rt.cfg.DataDir, "envs", e.org, e.name)
}
func (e *environment) workDir() string { return filepath.Join(e.dir(), "work") }
func (e *environment) logDir() string {
	return filepath.Join(e.rt.cfg.DataDir, "logs", e.org, e.name)
}

// watch returns a channel closed at the next readiness change.
func (e *environment) watch() <-chan struct{} {
	e.changedMu.Lock()
	defer e.changedMu.Unlock()
	return e.changed
}

func (e *environment) notify() {
	e.changedMu.Lock()
	close(e.changed)
	e.changed = make(chan struct{})
	e.changedMu.Unlock()
}

// savedState is what an environment keeps on disk to be resumed, even by
// a later server: the last plan (without secret values: resuming is an
// Apply, which brings them) and the front ports its endpoints used.
type savedState struct {
	Plan       runtime.Plan
	FrontPorts map[string]int
	Stopped    bool
}

func (e *environment) saveLocked() error {
	b, err := json.MarshalIndent(savedState{e.plan.WithoutSecretValues(), e.frontPorts, e.stopped}, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(e.dir(), "state.json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(e.dir(), "state.json"))
}

// load reads what a previous server saved. Processes never survive a
// server, so a loaded environment is stopped until applied again.
func (e *environment) load() bool {
	b, err := os.ReadFile(filepath.Join(e.dir(), "state.json"))
	if err != nil {
		return false
	}
	var s savedState
	if json.Unmarshal(b, &s) != nil {
		return false
	}
	e.plan, e.stopped = s.Plan, true
	if s.FrontPorts != nil {
		e.frontPorts = s.FrontPorts
	}
	return true
}

func (e *environment) apply(plan runtime.Plan, probePorts map[string]int) error {
	for _, d := range []string{e.workDir(), e.logDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	var start []*service
	var closeProxies []frontend
	e.mu.Lock()
	e.plan, e.stopped = plan, false
	inPlan := map[string]bool{}
	for _, sp := range plan.Services {
		inPlan[sp.Name] = true
		if p := e.proxies[sp.Name]; p != nil && p.http() != sp.HTTP() {
			// The port's protocol changed: a new front, on the same port.
			closeProxies = append(closeProxies, p)
			delete(e.proxies, sp.Name)
		}
	}
	if len(closeProxies) > 0 {
		e.mu.Unlock()
		for _, p := range closeProxies {
			p.close()
		}
		closeProxies = nil
		e.mu.Lock()
	}
	for _, sp := range plan.Services {
		if err := e.ensureProxyLocked(sp); err != nil {
			e.mu.Unlock()
			return err
		}
		cur := e.services[sp.Name]
		if cur != nil && cur.hash == planHash(sp) && !cur.ended() {
			continue
		}
		if cur != nil {
			e.retireLocked(cur)
		}
		s := newService(e, sp, probePorts[sp.Name])
		e.services[sp.Name] = s
		start = append(start, s)
	}
	for name, s := range e.services {
		if !inPlan[name] {
			e.retireLocked(s)
			delete(e.services, name)
		}
	}
	for name, p := range e.proxies {
		if !inPlan[name] || !hasPorts(plan, name) {
			closeProxies = append(closeProxies, p)
			delete(e.proxies, name)
			delete(e.frontPorts, name)
		}
	}
	err := e.saveLocked()
	e.mu.Unlock()
	for _, p := range closeProxies {
		p.close()
	}
	for _, s := range start {
		go s.run()
	}
	e.notify()
	return err
}

func hasPorts(plan runtime.Plan, name string) bool {
	for _, sp := range plan.Services {
		if sp.Name == name {
			return len(sp.Ports) > 0
		}
	}
	return false
}

func (e *environment) ensureProxyLocked(sp runtime.ServicePlan) error {
	if len(sp.Ports) == 0 || e.proxies[sp.Name] != nil {
		return nil
	}
	name := sp.Name
	backends := func() []string { return e.readyAddrs(name) }
	var p frontend
	var err error
	if sp.HTTP() {
		p, err = listenHTTPFront(e.frontPorts[name], name, backends, e.routeTableLocked(name), e.mirrorTableLocked(name))
	} else {
		p, err = listenProxy(e.frontPorts[name], backends)
	}
	if err != nil {
		return err
	}
	e.proxies[name] = p
	e.frontPorts[name] = p.port()
	return nil
}

// retireLocked cancels a generation; its processes end in the background.
func (e *environment) retireLocked(s *service) {
	s.cancel()
	e.retiring[s] = struct{}{}
	go func() {
		<-s.done
		e.mu.Lock()
		delete(e.retiring, s)
		e.mu.Unlock()
	}()
}

// stop ends every process and front proxy, waiting at most until ctx
// ends. An overlay's shadow ends too (resuming is an Apply, which brings
// it back).
func (e *environment) stop(ctx context.Context) error {
	if err := e.unshadow(ctx); err != nil {
		return err
	}
	e.mu.Lock()
	e.stopped = true
	var all []*service
	for _, s := range e.services {
		all = append(all, s)
	}
	for s := range e.retiring {
		all = append(all, s)
	}
	proxies := e.proxies
	e.proxies = map[string]frontend{}
	err := e.saveLocked()
	e.mu.Unlock()
	for _, s := range all {
		s.cancel()
	}
	for _, p := range proxies {
		p.close()
	}
	for _, s := range all {
		select {
		case <-s.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e.notify()
	return err
}

func (e *environment) readyAddrs(name string) []string {
	e.mu.Lock()
	s := e.services[name]
	e.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.readyAddrs()
}

// endpoint is the front address of a service, or the baseline's of a
// service an overlay shares; empty if it has no ports.
func (e *environment) endpoint(name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.frontPorts[name]; ok {
		return loopback(p)
	}
	return e.sharedEndpointLocked(name)
}

// unhealthy returns the names that are not healthy services of the
// environment.
func (e *environment) unhealthy(names []string) []string {
	var out []string
	for _, n := range names {
		e.mu.Lock()
		s := e.services[n]
		e.mu.Unlock()
		if s == nil {
			out = append(out, n)
			continue
		}
		if st, _ := s.state(); st.Health != runtime.HealthHealthy {
			out = append(out, n)
		}
	}
	return out
}

func (e *environment) status() runtime.EnvironmentState {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out runtime.EnvironmentState
	var last int64
	for _, sp := range e.plan.Services {
		var st runtime.ServiceState
		s := e.services[sp.Name]
		if e.stopped || s == nil {
			st = runtime.ServiceState{Name: sp.Name, Desired: sp.Replicas,
				Health: runtime.HealthStopped, Reason: "Stopped"}
		} else {
			var probed int64
			st, probed = s.state()
			last = max(last, probed)
		}
		if p, ok := e.frontPorts[sp.Name]; ok {
			st.Endpoint = loopback(p)
		}
		out.Services = append(out.Services, st)
	}
	if last > 0 {
		out.LastProbe = time.Unix(0, last)
	}
	return out
}
