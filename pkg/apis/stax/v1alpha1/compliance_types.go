package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Results of a compliance control.
const (
	CompliancePass          = "Pass"
	ComplianceFail          = "Fail"
	ComplianceNotApplicable = "NotApplicable"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +k8s:conversion-gen:explicit-from=net/url.Values

// ComplianceReportOptions are the query parameters of GET
// organizations/{name}/compliancereport.
type ComplianceReportOptions struct {
	metav1.TypeMeta `json:",inline"`
	// Window is how far back the request counters are read: whole days
	// ("7d") or a duration ("36h"). Defaults to 7d; at most the counters'
	// retention, 31d.
	// +optional
	Window string `json:"window,omitempty" protobuf:"bytes,1,opt,name=window"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ComplianceReport is the answer of GET organizations/{name}/compliancereport:
// the organization's controls, each with its figure, threshold, result and the
// objects that fail it.
type ComplianceReport struct {
	metav1.TypeMeta `json:",inline"`
	// metadata.name is the organization's.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Start and End bound the window of the request counters (Start a
	// whole hour, their resolution); the environment controls judge the
	// environments as they are at End.
	Start metav1.Time `json:"start" protobuf:"bytes,2,opt,name=start"`
	End   metav1.Time `json:"end" protobuf:"bytes,3,opt,name=end"`
	// Passed is how many controls pass; Failed how many fail.
	Passed int32 `json:"passed" protobuf:"varint,4,opt,name=passed"`
	Failed int32 `json:"failed" protobuf:"varint,5,opt,name=failed"`
	// Controls in a fixed order.
	// +listType=map
	// +listMapKey=name
	Controls []ComplianceControl `json:"controls" protobuf:"bytes,6,rep,name=controls"`
}

// ComplianceControl is one control of the report.
type ComplianceControl struct {
	// Name is a CamelCase code: DualSignature, AuditCoverage,
	// EnvironmentOwner, AutoShutdown, ImageDigest, NoDrift,
	// ShadowDiffsReviewed.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Description says what the control measures.
	Description string `json:"description" protobuf:"bytes,2,opt,name=description"`
	// Result is Pass, Fail or NotApplicable (nothing to measure).
	Result string `json:"result" protobuf:"bytes,3,opt,name=result"`
	// Compliant of Total things measured pass.
	Compliant int64 `json:"compliant" protobuf:"varint,4,opt,name=compliant"`
	Total     int64 `json:"total" protobuf:"varint,5,opt,name=total"`
	// Figure is Compliant/Total in percent, two decimals ("97.50"); empty
	// when Total is 0.
	// +optional
	Figure string `json:"figure,omitempty" protobuf:"bytes,6,opt,name=figure"`
	// Threshold is the least Figure that passes, in percent.
	Threshold string `json:"threshold" protobuf:"bytes,7,opt,name=threshold"`
	// Failing are the things that fail the control, at most 50, newest
	// first for requests; FailingTotal counts them all where known.
	// +optional
	// +listType=atomic
	Failing []ComplianceFinding `json:"failing,omitempty" protobuf:"bytes,8,rep,name=failing"`
	// +optional
	FailingTotal int64 `json:"failingTotal,omitempty" protobuf:"varint,9,opt,name=failingTotal"`
	// Message explains a NotApplicable result or a limit of the figure.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,10,opt,name=message"`
}

// ComplianceFinding is one thing that fails a control.
type ComplianceFinding struct {
	// Kind is Environment, Service, Request or Token.
	Kind string `json:"kind" protobuf:"bytes,1,opt,name=kind"`
	// Name is the environment, environment/service, audit ID or token id.
	Name string `json:"name" protobuf:"bytes,2,opt,name=name"`
	// Reason says why it fails.
	Reason string `json:"reason" protobuf:"bytes,3,opt,name=reason"`
	// Time is when a request was made; unset for objects.
	// +optional
	Time *metav1.Time `json:"time,omitempty" protobuf:"bytes,4,opt,name=time"`
}
