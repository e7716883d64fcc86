package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentDiff holds the behavioural diffs of one overlay against its
// baseline, as the mirroring fronts aggregated them: one per overlay, named
// as the overlay and owned by it, so it survives restarts of the server and
// of the fronts and goes when the overlay goes. The fronts write it (with a
// credential that writes diff results only); users read it, or better
// environments/{overlay}/diffs, which filters it. Its size is bounded
// (docs/shadow.md, "Diffs API").
type EnvironmentDiff struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Report is the aggregated comparison.
	// +optional
	Report DiffReport `json:"report" protobuf:"bytes,2,opt,name=report"`
}

// DiffReport is what the diff engine found, bounded in size.
type DiffReport struct {
	// Since is when the first compared request was made.
	// +optional
	Since *metav1.Time `json:"since,omitempty" protobuf:"bytes,1,opt,name=since"`
	// Updated is when the last compared request was made.
	// +optional
	Updated *metav1.Time `json:"updated,omitempty" protobuf:"bytes,2,opt,name=updated"`
	// Endpoints compared, at most 100.
	// +optional
	// +listType=map
	// +listMapKey=endpoint
	Endpoints []EndpointDiff `json:"endpoints,omitempty" protobuf:"bytes,3,rep,name=endpoints"`
}

// EndpointDiff is one route pattern of the shadowed services, learnt from
// the requests: "GET /users/{id}".
type EndpointDiff struct {
	// Endpoint is the method and route pattern.
	Endpoint string `json:"endpoint" protobuf:"bytes,1,opt,name=endpoint"`
	// Requests compared on the endpoint.
	Requests int64 `json:"requests" protobuf:"varint,2,opt,name=requests"`
	// LastSeen is when Requests last grew.
	// +optional
	LastSeen *metav1.Time `json:"lastSeen,omitempty" protobuf:"bytes,3,opt,name=lastSeen"`
	// Fields that differed at least once, those with a Difference first;
	// at most 64.
	// +optional
	// +listType=map
	// +listMapKey=field
	Fields []FieldDiff `json:"fields,omitempty" protobuf:"bytes,4,rep,name=fields"`
}

// FieldDiff is one compared field of an endpoint's answers.
type FieldDiff struct {
	// Field is where the answers differ: "status", "header:Content-Type",
	// or a JSON path into the body ("body.user.name", "body.items[*].id",
	// "body" for a body that is not JSON).
	Field string `json:"field" protobuf:"bytes,1,opt,name=field"`
	// Kind of the most frequent difference: value, type, missing, added,
	// order, status or error.
	// +optional
	Kind string `json:"kind,omitempty" protobuf:"bytes,2,opt,name=kind"`
	// Raw counts the requests whose primary (baseline) and candidate
	// (overlay) answers differ on the field.
	Raw int64 `json:"raw" protobuf:"varint,3,opt,name=raw"`
	// Noise counts the requests whose primary and secondary (a second
	// instance of the baseline's version) answers differ on the field.
	Noise int64 `json:"noise" protobuf:"varint,4,opt,name=noise"`
	// RawRate is Raw over the endpoint's requests, a decimal ("0.1250").
	RawRate string `json:"rawRate" protobuf:"bytes,5,opt,name=rawRate"`
	// NoiseRate is Noise over the endpoint's requests, a decimal.
	NoiseRate string `json:"noiseRate" protobuf:"bytes,6,opt,name=noiseRate"`
	// Verdict is Difference (a behaviour change), Noise (it differs, but no
	// more than between two instances of the same version) or Equal.
	Verdict string `json:"verdict" protobuf:"bytes,7,opt,name=verdict"`
	// Examples are a few requests on which primary and candidate differed,
	// at most 3, each value cut at 512 bytes.
	// +optional
	// +listType=atomic
	Examples []DiffExample `json:"examples,omitempty" protobuf:"bytes,8,rep,name=examples"`
}

// DiffExample is one request on which primary and candidate differed.
type DiffExample struct {
	// Request is the method, path and query: "GET /users/123?x=1".
	Request string `json:"request" protobuf:"bytes,1,opt,name=request"`
	// Primary is the primary's value at the field, as JSON.
	// +optional
	Primary string `json:"primary,omitempty" protobuf:"bytes,2,opt,name=primary"`
	// Candidate is the candidate's value at the field, as JSON.
	// +optional
	Candidate string `json:"candidate,omitempty" protobuf:"bytes,3,opt,name=candidate"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// EnvironmentDiffList is a list of EnvironmentDiffs.
type EnvironmentDiffList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []EnvironmentDiff `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +k8s:conversion-gen:explicit-from=net/url.Values

// EnvironmentDiffOptions are the query parameters of GET
// environments/{name}/diffs. The answer is the overlay's EnvironmentDiff
// with only the endpoints chosen; an overlay that never had shadow on
// answers an empty report.
type EnvironmentDiffOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Endpoint keeps that endpoint only, as the report names it
	// ("GET /users/{id}").
	// +optional
	Endpoint string `json:"endpoint,omitempty" protobuf:"bytes,1,opt,name=endpoint"`
	// Since keeps the endpoints compared at or after this time (RFC 3339).
	// +optional
	Since *metav1.Time `json:"since,omitempty" protobuf:"bytes,2,opt,name=since"`
	// Limit answers at most this many endpoints (1 or more), those with a
	// Difference first, then by name.
	// +optional
	Limit *int64 `json:"limit,omitempty" protobuf:"varint,3,opt,name=limit"`
}
