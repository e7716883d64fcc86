package local

import (
	"context"
	"encoding/json"
	"path/filepath"

	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/front"
	"github.com/microstax/stax/pkg/runtime"
)

// An overlay's shadow (runtime.ShadowPlan, docs/shadow.md): for each
// shadowed service the overlay runs one extra replica of the baseline's
// version, the secondary, outside the baseline front's pool, and installs
// a mirror on the baseline's HTTP front of the service whose candidate is
// the overlay's ready replicas. The secondary is the baseline's process
// in all but ownership: it runs the baseline's plan with the baseline's
// wiring (its dependencies are the baseline's), and it lives as long as
// the overlay shadows the service. Its log is the overlay's,
// "<service>.secondary-0". Only HTTP fronts mirror: a shadowed service
// whose port does not speak HTTP is left alone.

// shadowCopy is one shadowed service of an overlay.
type shadowCopy struct {
	version   string // the baseline's plan the secondary runs (planHash)
	settings  string // the mirror's settings
	secondary *service
	table     *front.MirrorTable // the baseline front's, where the mirror is
}

// mirrorTableLocked is the mirror table of a service's front, made on
// first use; e.mu is held.
func (e *environment) mirrorTableLocked(name string) *front.MirrorTable {
	t := e.mirrors[name]
	if t == nil {
		t = front.NewMirrorTable()
		e.mirrors[name] = t
	}
	return t
}

// shadowOverlay converges the overlay's secondaries and mirrors on its
// plan's shadow. It runs under e.op, which guards e.shadows.
func (e *environment) shadowOverlay() {
	base := e.baseline()
	e.mu.Lock()
	plan := e.plan
	own := map[string]bool{}
	for _, sp := range plan.Services {
		own[sp.Name] = true
	}
	e.mu.Unlock()
	want := map[string]bool{}
	if base != nil {
		for _, name := range plan.ShadowedServices() {
			want[name] = own[name]
		}
	}
	for name, on := range want {
		if !on {
			continue
		}
		base.mu.Lock()
		var bsp *runtime.ServicePlan
		for i := range base.plan.Services {
			if base.plan.Services[i].Name == name {
				bsp = &base.plan.Services[i]
			}
		}
		if bsp == nil || !bsp.HTTP() {
			base.mu.Unlock()
			want[name] = false
			continue
		}
		table := base.mirrorTableLocked(name)
		secPlan := *bsp
		base.mu.Unlock()

		version, settings := planHash(secPlan), shadowSettings(plan.Shadow)
		cur := e.shadows[name]
		if cur != nil && cur.version == version && cur.settings == settings && !cur.secondary.ended() {
			continue
		}
		sec := cur.secondaryIf(version)
		if sec == nil {
			if cur != nil {
				cur.secondary.cancel()
			}
			sec = e.startSecondary(base, secPlan)
		}
		e.shadows[name] = &shadowCopy{version: version, settings: settings, secondary: sec, table: table}
		table.Set(e.name, e.newMirror(name, sec, plan.Shadow))
		// A new mirror starts its counts and limit anew: say when, for a
		// gap or a reset in the counters.
		klog.V(2).InfoS("Shadow: mirror set", "overlay", e.org+"/"+e.name, "service", name, "replaced", cur != nil)
	}
	for name, c := range e.shadows {
		if !want[name] {
			c.table.Remove(e.name)
			klog.V(2).InfoS("Shadow: mirror removed", "overlay", e.org+"/"+e.name, "service", name)
			c.secondary.cancel()
			delete(e.shadows, name)
		}
	}
}

// secondaryIf is c's secondary if it still runs version.
func (c *shadowCopy) secondaryIf(version string) *service {
	if c == nil || c.version != version || c.secondary.ended() {
		return nil
	}
	return c.secondary
}

// startSecondary runs one replica of the baseline's plan sp, outside the
// baseline's services (and so outside its front's pool).
func (e *environment) startSecondary(base *environment, sp runtime.ServicePlan) *service {
	sp.Replicas = 1
	probe, _ := sp.ProbePort() // the baseline's Apply validated it
	if sp.Health == nil {
		probe = 0
	}
	s := newService(base, sp, probe)
	s.logStem = filepath.Join(e.logDir(), sp.Name+".secondary")
	go s.run()
	return s
}

func (e *environment) newMirror(name string, sec *service, sh *runtime.ShadowPlan) *front.Mirror {
	return &front.Mirror{
		Percent: int(sh.Percent), Methods: sh.Methods, AllowUnsafe: sh.AllowUnsafe,
		MaxRequests: sh.MaxRequests, Until: sh.Until, Organization: e.org,
		Secondary: sec.readyAddrs,
		Candidate: func() []string { return e.readyAddrs(name) },
		Sink:      func(ex diff.Exchange) { e.shadowSink(name, ex) },
	}
}

// shadowSink hands an exchange to the sink of the plan applied last, so
// that a new Apply with a new sink needs no new mirror.
func (e *environment) shadowSink(service string, ex diff.Exchange) {
	e.mu.Lock()
	var sink runtime.ShadowSink
	if e.plan.Shadow != nil {
		sink = e.plan.Shadow.Sink
	}
	e.mu.Unlock()
	if sink != nil {
		sink(service, ex)
	}
}

// shadowSettings are what a mirror is made of, but the sink and services.
func shadowSettings(sh *runtime.ShadowPlan) string {
	c := *sh
	c.Services, c.Sink = nil, nil
	b, _ := json.Marshal(c)
	return string(b)
}

// unshadow ends every mirror and secondary of the overlay, waiting for
// the secondaries' processes until ctx ends. Under e.op.
func (e *environment) unshadow(ctx context.Context) error {
	var secs []*service
	for name, c := range e.shadows {
		c.table.Remove(e.name)
		c.secondary.cancel()
		secs = append(secs, c.secondary)
		delete(e.shadows, name)
	}
	for _, s := range secs {
		select {
		case <-s.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
