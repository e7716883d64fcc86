package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ShadowSpec mirrors a sample of the traffic that reaches the baseline's
// version of some services to the overlay's version, so that their answers
// can be compared (environments/diffs). The baseline's version still
// answers every request; the copy is fire and forget. It is set on an
// overlay only (an Environment with spec.baselineRef), and written through
// the environments/shadow subresource only: a write of the Environment
// itself keeps it as it is.
type ShadowSpec struct {
	// Enabled turns mirroring on.
	// +optional
	Enabled bool `json:"enabled,omitempty" protobuf:"varint,1,opt,name=enabled"`
	// Percent of the baseline's requests that are copied, 0 to 100.
	// Defaults to 100.
	// +optional
	Percent *int32 `json:"percent,omitempty" protobuf:"varint,2,opt,name=percent"`
	// Services are the shadowed services, each one that the overlay
	// changes (its own and also the baseline's). Empty is every service the
	// overlay changes.
	// +optional
	// +listType=set
	Services []string `json:"services,omitempty" protobuf:"bytes,3,rep,name=services"`
	// Methods are the HTTP methods mirrored, in capitals. Defaults to GET,
	// HEAD and OPTIONS. Methods other than GET, HEAD, OPTIONS and TRACE
	// need allowUnsafe.
	// +optional
	// +listType=set
	Methods []string `json:"methods,omitempty" protobuf:"bytes,4,rep,name=methods"`
	// AllowUnsafe lets methods that change state (POST, PUT, PATCH,
	// DELETE) be mirrored. A risk of side effects: a mirrored write
	// reaches whatever the candidate shares with the baseline, its
	// database first, and the secondary (a second instance of the
	// baseline's version) performs it too.
	// +optional
	AllowUnsafe bool `json:"allowUnsafe,omitempty" protobuf:"varint,5,opt,name=allowUnsafe"`
	// Ignore lists fields and headers that are never compared.
	// +optional
	Ignore *ShadowIgnore `json:"ignore,omitempty" protobuf:"bytes,6,opt,name=ignore"`
	// Limit ends mirroring after a while or a number of requests; unset
	// mirrors until disabled.
	// +optional
	Limit *ShadowLimit `json:"limit,omitempty" protobuf:"bytes,7,opt,name=limit"`
	// Thresholds override, for this overlay, the diff engine's thresholds
	// above which a field's difference is reported.
	// +optional
	Thresholds *DiffThresholds `json:"thresholds,omitempty" protobuf:"bytes,8,opt,name=thresholds"`
	// Since is when mirroring was last turned on (enabled went from false
	// to true); the server sets it and clears it when mirroring is off.
	// A limit's duration counts from it.
	// +optional
	Since *metav1.Time `json:"since,omitempty" protobuf:"bytes,9,opt,name=since"`
}

// ShadowIgnore names fields and headers that are never compared.
type ShadowIgnore struct {
	// Fields are paths into the answers as the diffs name them: "status",
	// "body" or a JSON path below it such as "body.user.updatedAt" or
	// "body.items[*].id".
	// +optional
	// +listType=set
	Fields []string `json:"fields,omitempty" protobuf:"bytes,1,rep,name=fields"`
	// Headers are header names, matched without regard to case
	// ("Date", "X-Request-Id").
	// +optional
	// +listType=set
	Headers []string `json:"headers,omitempty" protobuf:"bytes,2,rep,name=headers"`
}

// ShadowLimit ends mirroring at the first of its bounds reached; at least
// one is set.
type ShadowLimit struct {
	// Duration of mirroring, counted from spec.shadow.since.
	// +optional
	Duration *metav1.Duration `json:"duration,omitempty" protobuf:"bytes,1,opt,name=duration"`
	// Requests sampled (copies sent) since spec.shadow.since, per shadowed
	// service, at least 1. The fronts count them in memory: the count starts
	// anew after a restart.
	// +optional
	Requests *int64 `json:"requests,omitempty" protobuf:"varint,2,opt,name=requests"`
}

// DiffThresholds decide when a field's difference is a behaviour change
// rather than noise: its raw rate (primary vs candidate) must beat its
// noise rate (primary vs secondary) by both. Values are non-negative
// decimal percentages ("20", "0.03"); unset ones keep the engine's
// defaults.
type DiffThresholds struct {
	// RelativePercent is how much, relative to the noise rate, the raw
	// rate must exceed it: (raw - noise) / noise, in percent.
	// +optional
	RelativePercent string `json:"relativePercent,omitempty" protobuf:"bytes,1,opt,name=relativePercent"`
	// AbsolutePercent is by how many percentage points the raw rate must
	// exceed the noise rate.
	// +optional
	AbsolutePercent string `json:"absolutePercent,omitempty" protobuf:"bytes,2,opt,name=absolutePercent"`
}
