package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentDiff holds the behavioural diffs of one overlay against its
// baseline, as the mirroring fronts aggregated them: one per overlay, named
// as the overlay, written by the fronts (pkg/diffpublish), read through
// environments/diffs.
type EnvironmentDiff struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// Report is the aggregated comparison.
	Report DiffReport
}

// DiffReport is pkg/diff's Report as stored, bounded in size.
type DiffReport struct {
	// Since is the first exchange compared, Updated the last.
	Since, Updated *metav1.Time
	// Endpoints compared.
	Endpoints []EndpointDiff
}

// EndpointDiff is one route pattern, "GET /users/{id}".
type EndpointDiff struct {
	Endpoint string
	// Requests compared on the endpoint.
	Requests int64
	// LastSeen is when Requests last grew.
	LastSeen *metav1.Time
	// Fields that differed at least once.
	Fields []FieldDiff
}

// FieldDiff is one compared field of an endpoint's answers.
type FieldDiff struct {
	// Field: "status", "header:Content-Type", "body.user.name".
	Field string
	// Kind of its most frequent difference.
	Kind string
	// Raw counts requests whose primary and candidate differ on the field,
	// Noise those whose primary and secondary do.
	Raw, Noise int64
	// RawRate and NoiseRate are over Requests, decimals ("0.1250").
	RawRate, NoiseRate string
	// Verdict is Difference, Noise or Equal.
	Verdict string
	// Examples are a few differing requests.
	Examples []DiffExample
}

// DiffExample is one request on which primary and candidate differed.
type DiffExample struct {
	Request   string
	Primary   string
	Candidate string
}

// Verdicts of a FieldDiff, pkg/diff's.
const (
	DiffVerdictDifference = "Difference"
	DiffVerdictNoise      = "Noise"
	DiffVerdictEqual      = "Equal"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentDiffList is a list of EnvironmentDiffs.
type EnvironmentDiffList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []EnvironmentDiff
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentDiffOptions are the query parameters of GET
// environments/{name}/diffs.
type EnvironmentDiffOptions struct {
	metav1.TypeMeta

	// Endpoint keeps that endpoint only ("GET /users/{id}").
	Endpoint string
	// Since keeps the endpoints seen at or after it.
	Since *metav1.Time
	// Limit answers at most this many endpoints, those with a difference
	// first.
	Limit *int64
}
