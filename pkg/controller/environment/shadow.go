package environment

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/runtime"
)

// shadowPlanFor maps an overlay's spec.shadow to the runtime's
// ShadowPlan (docs/shadow.md), without its sink; nil when mirroring is off
// or there is nothing the link lets it mirror. The API's defaulter has
// filled percent and methods. Named services the baseline no longer
// changes (it is gone, or moved on) are left out rather than failing the
// apply: the runtime mirrors only a service both run.
func shadowPlanFor(env *staxv1.Environment, link *runtime.BaselineLink) *runtime.ShadowPlan {
	sh := env.Spec.Shadow
	if sh == nil || !sh.Enabled || link == nil || len(link.Changed) == 0 {
		return nil
	}
	defaulted := sh.DeepCopy()
	staxv1.SetDefaults_ShadowSpec(defaulted)
	p := &runtime.ShadowPlan{Percent: *defaulted.Percent, Methods: defaulted.Methods, AllowUnsafe: sh.AllowUnsafe,
		Compare: engineOptions(sh)}
	changed := map[string]bool{}
	for _, c := range link.Changed {
		changed[c.Name] = true
	}
	for _, name := range sh.Services {
		if changed[name] {
			p.Services = append(p.Services, name)
		}
	}
	if len(sh.Services) > 0 && len(p.Services) == 0 {
		return nil
	}
	if l := sh.Limit; l != nil {
		if l.Duration != nil && sh.Since != nil {
			p.Until = sh.Since.Add(l.Duration.Duration)
		}
		if l.Requests != nil {
			// The fronts count sampled requests (copies sent), per service.
			p.MaxRequests = *l.Requests
		}
	}
	return p
}

// engineOptions are the diff engine's options for an overlay's shadow:
// its ignore rules and thresholds over the engine's defaults. The one
// mapping: the plan carries them (ShadowPlan.Compare, for stax-shadow)
// and the controller's own engines are made with them.
func engineOptions(sh *staxv1.ShadowSpec) diff.Options {
	var o diff.Options
	if ig := sh.Ignore; ig != nil {
		o.IgnorePaths, o.IgnoreHeaders = ig.Fields, ig.Headers
	}
	if t := sh.Thresholds; t != nil {
		// relativePercent is (raw - noise) / noise: raw ≥ (1 + r) × noise.
		if r, ok := percent(t.RelativePercent); ok {
			o.Relative = 1 + r
		}
		// absolutePercent is raw - noise in points. Zero is the smallest
		// positive excess: a Difference needs raw > noise anyway.
		if a, ok := percent(t.AbsolutePercent); ok {
			o.MinExcessRate = max(a, math.SmallestNonzeroFloat64)
		}
	}
	return o
}

// percent parses a validated decimal percentage as a fraction.
func percent(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return f / 100, true
}

// engineSettings is what an overlay's engine is made of: a change of any
// replaces the engine. Since is in it, so that shadow turned off and on
// again between two syncs still starts a new window.
func engineSettings(sh *staxv1.ShadowSpec) string {
	var since time.Time
	if sh.Since != nil {
		since = sh.Since.Time
	}
	b, _ := json.Marshal(struct {
		Ignore     *staxv1.ShadowIgnore
		Thresholds *staxv1.DiffThresholds
		Since      time.Time
	}{sh.Ignore, sh.Thresholds, since})
	return string(b)
}
