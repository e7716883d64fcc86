package diff

// The defaults of Options, their one home; docs/shadow.md ("The diff
// engine") describes them for users.
const (
	// DefaultRelative: a field's raw rate must be at least twice its
	// noise rate.
	DefaultRelative = 2.0
	// DefaultMinRawRate and DefaultMinRaw: and at least 3% of the
	// endpoint's requests, and at least 5 of them (Diffy's absolute
	// threshold is 3%; the count keeps a young endpoint quiet).
	DefaultMinRawRate = 0.03
	DefaultMinRaw     = 5

	DefaultMaxEndpoints    = 100
	DefaultMaxFields       = 200
	DefaultMaxExamples     = 3
	DefaultMaxExampleBytes = 256
	DefaultMaxBodyBytes    = 1 << 20

	// DefaultRouteCardinality: a path position that has taken this many
	// distinct literal values under the same prefix is a parameter.
	DefaultRouteCardinality = 32
	// DefaultSetEvidence: an array whose primary and secondary hold the
	// same elements in a different order this many times is a set.
	DefaultSetEvidence = 1
)

// Bounds of the route learner that are not worth an option.
const (
	// maxSegments: deeper paths are cut, the rest folded into "/…".
	maxSegments = 16
	// routeNodesPerEndpoint × MaxEndpoints bounds the learner's tree;
	// past it, unseen literals are taken as parameters.
	routeNodesPerEndpoint = 16
)

// Options tune an Engine. The zero value of each field means its default.
type Options struct {
	// A field is a Difference when Raw ≥ MinRaw, RawRate ≥ MinRawRate
	// (absolute) and RawRate ≥ Relative × NoiseRate with Raw > Noise
	// (relative); otherwise Noise if the secondary differed too, else
	// Equal.
	Relative   float64
	MinRawRate float64
	MinRaw     int64
	// MinExcessRate, above zero, replaces MinRawRate: the raw rate must
	// exceed the noise rate by at least this much (Diffy's absolute
	// threshold, spec.shadow.thresholds.absolutePercent).
	MinExcessRate float64

	// IgnorePaths are JSON paths never compared, with their subtrees:
	// "body.meta.requestId", "body.items[*].ts" (an index such as [3]
	// means every element, as [*]).
	IgnorePaths []string
	// IgnoreHeaders are header names never compared.
	IgnoreHeaders []string

	// MaxEndpoints bounds the endpoints tracked; exchanges of new ones
	// past it are dropped (Report.Dropped).
	MaxEndpoints int
	// MaxFields bounds the fields tracked per endpoint; differences on
	// new ones past it are counted in EndpointReport.DroppedFields.
	MaxFields int
	// MaxExamples per field, each value cut at MaxExampleBytes.
	MaxExamples     int
	MaxExampleBytes int
	// MaxBodyBytes: longer bodies are compared as non-JSON ones, by
	// content type and length.
	MaxBodyBytes int

	// RouteCardinality and SetEvidence tune what the engine learns.
	RouteCardinality int
	SetEvidence      int
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.Relative <= 0 {
		o.Relative = DefaultRelative
	}
	if o.MinRawRate <= 0 {
		o.MinRawRate = DefaultMinRawRate
	}
	if o.MinRaw <= 0 {
		o.MinRaw = DefaultMinRaw
	}
	if o.MaxEndpoints <= 0 {
		o.MaxEndpoints = DefaultMaxEndpoints
	}
	if o.MaxFields <= 0 {
		o.MaxFields = DefaultMaxFields
	}
	if o.MaxExamples <= 0 {
		o.MaxExamples = DefaultMaxExamples
	}
	if o.MaxExampleBytes <= 0 {
		o.MaxExampleBytes = DefaultMaxExampleBytes
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.RouteCardinality <= 1 {
		o.RouteCardinality = DefaultRouteCardinality
	}
	if o.SetEvidence <= 0 {
		o.SetEvidence = DefaultSetEvidence
	}
	return o
}

// verdict decides a field from its counts over requests.
func (o Options) verdict(raw, noise, requests int64) Verdict {
	if requests > 0 && raw >= o.MinRaw && raw > noise {
		rawRate, noiseRate := float64(raw)/float64(requests), float64(noise)/float64(requests)
		absolute := rawRate >= o.MinRawRate
		if o.MinExcessRate > 0 {
			// On the counts, so that an excess of exactly the threshold passes.
			absolute = float64(raw-noise) >= o.MinExcessRate*float64(requests)-1e-9
		}
		if absolute && rawRate >= o.Relative*noiseRate {
			return VerdictDifference
		}
	}
	if noise > 0 {
		return VerdictNoise
	}
	return VerdictEqual
}
