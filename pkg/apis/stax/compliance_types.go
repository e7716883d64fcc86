package stax

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

// ComplianceReportOptions are the query parameters of GET
// organizations/{name}/compliancereport.
type ComplianceReportOptions struct {
	metav1.TypeMeta
	// Window is how far back the request counters are read: whole days
	// ("7d") or a duration ("36h"). Defaults to 7d; at most the counters'
	// retention, 31d.
	Window string
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ComplianceReport is the answer of GET organizations/{name}/compliancereport:
// the organization's controls, each with its figure, threshold, result and the
// objects that fail it.
type ComplianceReport struct {
	metav1.TypeMeta
	// metadata.name is the organization's.
	metav1.ObjectMeta

	// Start and End bound the window of the request counters (Start a
	// whole hour, their resolution); the environment controls judge the
	// environments as they are at End.
	Start metav1.Time
	End   metav1.Time
	// Passed is how many controls pass; Failed how many fail.
	Passed int32
	Failed int32
	// Controls in a fixed order.
	Controls []ComplianceControl
}

// ComplianceControl is one control of the report.
type ComplianceControl struct {
	// Name is a CamelCase code: DualSignature, AuditCoverage,
	// EnvironmentOwner, AutoShutdown, ImageDigest, NoDrift,
	// ShadowDiffsReviewed.
	Name string
	// Description says what the control measures.
	Description string
	// Result is Pass, Fail or NotApplicable (nothing to measure).
	Result string
	// Compliant of Total things measured pass.
	Compliant int64
	Total     int64
	// Figure is Compliant/Total in percent, two decimals ("97.50"); empty
	// when Total is 0.
	Figure string
	// Threshold is the least Figure that passes, in percent.
	Threshold string
	// Failing are the things that fail the control, at most 50, newest
	// first for requests; FailingTotal counts them all where known.
	Failing      []ComplianceFinding
	FailingTotal int64
	// Message explains a NotApplicable result or a limit of the figure.
	Message string
}

// ComplianceFinding is one thing that fails a control.
type ComplianceFinding struct {
	// Kind is Environment, Service, Request or Token.
	Kind string
	// Name is the environment, environment/service, audit ID or token id.
	Name string
	// Reason says why it fails.
	Reason string
	// Time is when a request was made; unset for objects.
	Time *metav1.Time
}
