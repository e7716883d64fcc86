package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ShadowSpec mirrors a sample of the traffic that reaches the baseline's
// version of some services to the overlay's version, to compare their
// answers (environments/diffs). It is set on an overlay only, and written
// through the environments/shadow subresource only.
type ShadowSpec struct {
	// Enabled turns mirroring on.
	Enabled bool
	// Percent of the baseline's requests copied, 0 to 100 (defaulted).
	Percent *int32
	// Services are the shadowed services, each one the overlay changes;
	// empty is every service the overlay changes (ShadowServices).
	Services []string
	// Methods are the HTTP methods mirrored (defaulted); unsafe ones need
	// AllowUnsafe.
	Methods []string
	// AllowUnsafe lets methods other than the safe ones be mirrored: a
	// mirrored write reaches whatever the candidate shares with the
	// baseline, its database first.
	AllowUnsafe bool
	// Ignore lists what is never compared.
	Ignore *ShadowIgnore
	// Limit ends mirroring after a while or a number of requests.
	Limit *ShadowLimit
	// Thresholds override the diff engine's for this overlay.
	Thresholds *DiffThresholds
	// Since is when mirroring was last turned on; the server sets it.
	Since *metav1.Time
}

// ShadowIgnore names fields and headers that are never compared.
type ShadowIgnore struct {
	// Fields are paths as the diffs name them: "body.user.updatedAt",
	// "body.items[*].id".
	Fields []string
	// Headers are header names, matched without regard to case.
	Headers []string
}

// ShadowLimit ends mirroring at the first of its bounds reached.
type ShadowLimit struct {
	// Duration from Since.
	Duration *metav1.Duration
	// Requests sampled (copies sent) since Since, per service; the fronts
	// count them in memory, anew after a restart.
	Requests *int64
}

// DiffThresholds decide when a field's difference is reported: its raw
// rate must beat its noise rate by both. Values are decimal percentages.
type DiffThresholds struct {
	// RelativePercent: (raw - noise) / noise, in percent.
	RelativePercent string
	// AbsolutePercent: raw - noise, in percentage points.
	AbsolutePercent string
}

// ShadowServices is the one statement of which services an overlay's shadow
// covers: those it names, or else each service of the overlay (own) that
// the baseline (base) also runs: the services the overlay changes.
func ShadowServices(named, own, base []string) []string {
	if len(named) > 0 {
		return append([]string(nil), named...)
	}
	inBase := map[string]bool{}
	for _, s := range base {
		inBase[s] = true
	}
	var out []string
	for _, s := range own {
		if inBase[s] {
			out = append(out, s)
		}
	}
	return out
}
