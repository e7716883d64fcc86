package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Diagnosis is the body and the answer of POST
// environments/{name}/diagnose: the spec asks, the status answers. It is
// computed, never stored.
type Diagnosis struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. metadata.name, when set, must be the
	// environment's name.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is what the caller asks.
	// +optional
	Spec DiagnosisSpec `json:"spec,omitempty"`
	// Status is the answer.
	// +optional
	Status DiagnosisStatus `json:"status,omitempty"`
}

// DiagnosisSpec is what the caller asks of a diagnosis.
type DiagnosisSpec struct {
	// Remediate applies the findings' safe remediations: restart a service,
	// roll a service back to the last Ready blueprint, resume a stopped
	// environment, raise a memory limit within the organization's quota
	// (kubernetes runtime). Never a rollback of an environment a Baseline
	// holds.
	// +optional
	Remediate bool `json:"remediate,omitempty"`
	// DryRun says what remediate would change, changing nothing (as the
	// request's dryRun=All does).
	// +optional
	DryRun bool `json:"dryRun,omitempty"`
	// Explain asks the assistant, when the server has one
	// (--assistant-endpoint), to explain the findings in prose.
	// +optional
	Explain bool `json:"explain,omitempty"`
	// TailLines is how many recent log lines of each service are read,
	// 1 to 5000. Defaults to 200.
	// +optional
	TailLines *int64 `json:"tailLines,omitempty"`
}

// DiagnosisStatus is the answer.
type DiagnosisStatus struct {
	// Phase of the environment when it was diagnosed.
	// +optional
	Phase EnvironmentPhase `json:"phase,omitempty"`
	// RootCauses name the services where the findings' causes lie.
	// +optional
	// +listType=atomic
	RootCauses []string `json:"rootCauses,omitempty"`
	// Findings, root causes first.
	// +optional
	// +listType=atomic
	Findings []DiagnosisFinding `json:"findings,omitempty"`
	// Remediations are what remediate changed, or would change in a dry run.
	// +optional
	// +listType=atomic
	Remediations []RemediationRecord `json:"remediations,omitempty"`
	// Explanation is the assistant's prose, when asked and available.
	// +optional
	Explanation string `json:"explanation,omitempty"`
	// AssistantError says why no explanation came, when one was asked.
	// +optional
	AssistantError string `json:"assistantError,omitempty"`
}

// DiagnosisFinding is one diagnosed problem.
type DiagnosisFinding struct {
	// Analyzer is the rule that found it: StackTrace, AddressInUse,
	// MissingEnvironmentVariable, OutOfMemory, DependencyConnectionRefused,
	// DependencyNotReady, CrashLoop, ImagePullBackOff, Unschedulable,
	// ProbeFailed, Stopped, ProvisionFailed or Unhealthy.
	Analyzer string `json:"analyzer"`
	// Service it was found on; empty for the environment as a whole.
	// +optional
	Service string `json:"service,omitempty"`
	// Severity is Critical, Error or Warning.
	Severity string `json:"severity"`
	// Cause says what is wrong.
	Cause string `json:"cause"`
	// Evidence are the log lines, events and states that show it.
	// +optional
	// +listType=atomic
	Evidence []string `json:"evidence,omitempty"`
	// RootCause is the service where the cause lies: service for a root
	// cause, a dependency for a symptom.
	// +optional
	RootCause string `json:"rootCause,omitempty"`
	// Symptom says the finding follows from rootCause's failure.
	// +optional
	Symptom bool `json:"symptom,omitempty"`
	// Remediation would fix it.
	Remediation FindingRemediation `json:"remediation"`
}

// FindingRemediation is the fix of a finding.
type FindingRemediation struct {
	// Action is Restart, Rollback, Resume, RaiseMemoryLimit (applied by
	// remediate) or None (advice for a person).
	Action string `json:"action"`
	// Service the action applies to.
	// +optional
	Service string `json:"service,omitempty"`
	// Description says what to do.
	Description string `json:"description"`
}

// RemediationRecord is one change diagnose made (or, in a dry run, would
// make) to an environment.
type RemediationRecord struct {
	// Time it was made.
	Time metav1.Time `json:"time"`
	// Action is Restart, Rollback, Resume or RaiseMemoryLimit.
	Action string `json:"action"`
	// Service it applied to; empty for the environment.
	// +optional
	Service string `json:"service,omitempty"`
	// Analyzer of the finding it remedies.
	// +optional
	Analyzer string `json:"analyzer,omitempty"`
	// Result is Applied, WouldApply (a dry run), Refused or Failed.
	Result string `json:"result"`
	// Message says what changed, or why nothing did.
	// +optional
	Message string `json:"message,omitempty"`
}

// ReadyBlueprint is a blueprint under which every service was Ready.
type ReadyBlueprint struct {
	// Generation of the environment's spec that held it.
	Generation int64 `json:"generation"`
	// Blueprint as it was then.
	Blueprint Blueprint `json:"blueprint"`
}
