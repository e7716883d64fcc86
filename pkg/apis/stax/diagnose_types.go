package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Diagnosis is the body and the answer of POST
// environments/{name}/diagnose: the spec asks, the status answers. It is
// computed, never stored (as IdentityReview).
type Diagnosis struct {
	metav1.TypeMeta
	// ObjectMeta.Name, when set, must be the environment's name.
	metav1.ObjectMeta

	Spec   DiagnosisSpec
	Status DiagnosisStatus
}

// DiagnosisSpec is what the caller asks of a diagnosis.
type DiagnosisSpec struct {
	// Remediate applies the findings' safe remediations.
	Remediate bool
	// DryRun says what Remediate would change, changing nothing (as the
	// request's dryRun=All does).
	DryRun bool
	// Explain asks the assistant, when the server has one, to explain the
	// findings in prose.
	Explain bool
	// TailLines is how many recent log lines of each service are read.
	// Defaults to 200.
	TailLines *int64
}

// DiagnosisStatus is the answer.
type DiagnosisStatus struct {
	// Phase of the environment when it was diagnosed.
	Phase EnvironmentPhase
	// RootCauses name the services where the findings' causes lie.
	RootCauses []string
	// Findings, root causes first.
	Findings []DiagnosisFinding
	// Remediations are what Remediate changed, or would change in a dry run.
	Remediations []RemediationRecord
	// Explanation is the assistant's prose, when asked and available.
	Explanation string
	// AssistantError says why no explanation came, when one was asked.
	AssistantError string
}

// DiagnosisFinding is one diagnosed problem.
type DiagnosisFinding struct {
	// Analyzer is the rule that found it, such as StackTrace or CrashLoop.
	Analyzer string
	// Service it was found on; empty for the environment as a whole.
	Service string
	// Severity is Critical, Error or Warning.
	Severity string
	// Cause says what is wrong.
	Cause string
	// Evidence are the log lines, events and states that show it.
	Evidence []string
	// RootCause is the service where the cause lies: Service for a root
	// cause, a dependency for a symptom.
	RootCause string
	// Symptom says the finding follows from RootCause's failure.
	Symptom bool
	// Remediation would fix it.
	Remediation FindingRemediation
}

// FindingRemediation is the fix of a finding.
type FindingRemediation struct {
	// Action is Restart, Rollback, Resume, RaiseMemoryLimit (applied by
	// remediate) or None (advice for a person).
	Action string
	// Service the action applies to.
	Service string
	// Description says what to do.
	Description string
}

// Results of a remediation.
const (
	RemediationApplied    = "Applied"
	RemediationWouldApply = "WouldApply" // a dry run
	RemediationRefused    = "Refused"    // not safe here, or over quota
	RemediationFailed     = "Failed"
)

// RemediationRecord is one change diagnose made (or, in a dry run, would
// make) to an environment.
type RemediationRecord struct {
	// Time it was made.
	Time metav1.Time
	// Action and Service, as in the finding's remediation.
	Action  string
	Service string
	// Analyzer of the finding it remedies.
	Analyzer string
	// Result is Applied, WouldApply, Refused or Failed.
	Result string
	// Message says what changed, or why nothing did.
	Message string
}

// ReadyBlueprint is a blueprint under which every service was Ready.
type ReadyBlueprint struct {
	// Generation of the environment's spec that held it.
	Generation int64
	// Blueprint as it was then.
	Blueprint Blueprint
}

// MaxRemediationHistory bounds EnvironmentStatus.Remediations: the oldest
// records go first.
const MaxRemediationHistory = 10
