package diff

import "time"

// Verdict is what a field's counts say.
type Verdict string

const (
	// VerdictDifference: primary and candidate differ clearly more often
	// than primary and secondary do: a behaviour change.
	VerdictDifference Verdict = "Difference"
	// VerdictNoise: the field differs, but no more between primary and
	// candidate than between two instances of the same version.
	VerdictNoise Verdict = "Noise"
	// VerdictEqual: the field never differed beyond the thresholds.
	VerdictEqual Verdict = "Equal"
)

// Report is the engine's result for one overlay, bounded in size.
type Report struct {
	// Since is the first exchange observed, Updated the last.
	Since, Updated time.Time
	// Endpoints, sorted by Endpoint.
	Endpoints []EndpointReport
	// Dropped counts exchanges not compared: the primary gave no answer,
	// or their endpoint would have passed Options.MaxEndpoints.
	Dropped int64
}

// EndpointReport is one learnt route pattern: "GET /users/{id}".
type EndpointReport struct {
	Endpoint string
	// Requests compared on this endpoint.
	Requests int64
	// Fields that differed at least once, sorted: those with a
	// VerdictDifference first.
	Fields []FieldReport
	// DroppedFields counts differences on fields not tracked: they would
	// have passed Options.MaxFields.
	DroppedFields int64
}

// FieldReport is one compared field of an endpoint's answers.
type FieldReport struct {
	// Field is where the difference is: "status", "header:Content-Type",
	// or a JSON path into the body ("body.user.name", "body.items[*].id",
	// "body" for a non-JSON body compared by content type and length).
	Field string
	// Kind of the most frequent difference: "value", "type", "missing",
	// "added", "order", "status", "error".
	Kind string
	// Raw counts requests whose primary and candidate differ on the field,
	// Noise those whose primary and secondary do; rates are over Requests.
	Raw, Noise         int64
	RawRate, NoiseRate float64
	Verdict            Verdict
	// Examples are a few differing requests, bounded in count and size.
	Examples []Example
}

// Example is one request on which primary and candidate differed.
type Example struct {
	Request string // "GET /users/123?x=1"
	// The primary's and the candidate's values at the field: JSON for a
	// body's, as is for a status or header, "" for none; cut at
	// Options.MaxExampleBytes.
	Primary   string
	Candidate string
}
