package runtime

import (
	"fmt"
	"time"

	"github.com/microstax/stax/pkg/diff"
)

// ShadowPlan asks for an overlay's shadow traffic (docs/shadow.md): for
// each of Services, a sample of the requests the baseline's version
// answers is copied to a second instance of that version (the secondary,
// which the runtime starts) and to the overlay's version (the candidate),
// and each request with its three answers goes to Sink. The caller is
// answered by the baseline as if there were no shadow.
type ShadowPlan struct {
	// Services are the baseline's services the overlay changes whose
	// traffic is mirrored; empty: every one it changes (Baseline.Changed).
	Services []string
	// Percent of the eligible requests mirrored, 0 to 100.
	Percent int32
	// Methods mirrored; empty: GET, HEAD and OPTIONS.
	Methods []string
	// AllowUnsafe lets the unsafe methods of Methods be mirrored (a
	// mirrored write reaches what the candidate shares with the baseline).
	AllowUnsafe bool
	// MaxRequests, above zero, ends mirroring after that many requests of
	// a service; Until, if set, at that time.
	MaxRequests int64
	Until       time.Time
	// Compare are the diff engine's options (the overlay's ignore rules
	// and thresholds): the kubernetes runtime passes them to stax-shadow,
	// which compares in the cluster; the local runtime's engine is the
	// Sink's, made with the same options.
	Compare diff.Options
	// Sink receives the exchanges; it is called from the fronts'
	// workers, concurrently, and must not block for long. The kubernetes
	// runtime does not call it: its fronts (stax-shadow) run in the
	// cluster, with a credential of their own (DiffAccess).
	Sink ShadowSink `json:"-"`
}

// ShadowSink receives one mirrored request of service, with the
// primary's, the secondary's and the candidate's answers.
type ShadowSink func(service string, e diff.Exchange)

// ShadowedServices are the services whose traffic the plan mirrors, none
// if it has no shadow.
func (p Plan) ShadowedServices() []string {
	if p.Shadow == nil || p.Baseline == nil {
		return nil
	}
	if len(p.Shadow.Services) > 0 {
		return p.Shadow.Services
	}
	out := make([]string, 0, len(p.Baseline.Changed))
	for _, s := range p.Baseline.Changed {
		out = append(out, s.Name)
	}
	return out
}

// validateShadow: a shadow is an overlay's, of services it changes (a
// new service has no baseline version to compare with).
func (p Plan) validateShadow() error {
	s := p.Shadow
	if s == nil {
		return nil
	}
	if p.Baseline == nil {
		return fmt.Errorf("shadow: only an overlay mirrors its baseline's traffic")
	}
	if s.Percent < 0 || s.Percent > 100 {
		return fmt.Errorf("shadow: percent %d is not between 0 and 100", s.Percent)
	}
	if s.MaxRequests < 0 {
		return fmt.Errorf("shadow: negative request limit")
	}
	changed := map[string]bool{}
	for _, c := range p.Baseline.Changed {
		changed[c.Name] = true
	}
	for _, name := range s.Services {
		if !changed[name] {
			return fmt.Errorf("shadow: service %q is not a baseline service the overlay changes", name)
		}
	}
	for _, m := range s.Methods {
		if m == "" || !isMethodToken(m) {
			return fmt.Errorf("shadow: %q is not an HTTP method", m)
		}
	}
	return nil
}

// isMethodToken: methods are tokens (RFC 9110), matched case-sensitively.
func isMethodToken(m string) bool {
	for _, c := range m {
		if c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == ',' || c == '/' || c == ':' || c == ';' ||
			c == '<' || c == '=' || c == '>' || c == '?' || c == '@' || c == '[' || c == '\\' || c == ']' || c == '{' || c == '}' || c == '"' {
			return false
		}
	}
	return true
}
