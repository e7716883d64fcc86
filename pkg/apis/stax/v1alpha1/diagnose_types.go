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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is what the caller asks.
	// +optional
	Spec DiagnosisSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the answer.
	// +optional
	Status DiagnosisStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// DiagnosisSpec is what the caller asks of a diagnosis.
type DiagnosisSpec struct {
	// Remediate applies the findings' safe remediations: restart a service,
	// roll a service back to the last Ready blueprint, resume a stopped
	// environment, raise a memory limit within the organization's quota
	// (kubernetes runtime). Never a rollback of an environment a Baseline
	// holds.
	// +optional
	Remediate bool `json:"remediate,omitempty" protobuf:"varint,1,opt,name=remediate"`
	// DryRun says what remediate would change, changing nothing (as the
	// request's dryRun=All does).
	// +optional
	DryRun bool `json:"dryRun,omitempty" protobuf:"varint,2,opt,name=dryRun"`
	// Explain asks the assistant, when the server has one
	// (--assistant-endpoint), to explain the findings in prose.
	// +optional
	Explain bool `json:"explain,omitempty" protobuf:"varint,3,opt,name=explain"`
	// TailLines is how many recent log lines of each service are read,
	// 1 to 5000. Defaults to 200.
	// +optional
	TailLines *int64 `json:"tailLines,omitempty" protobuf:"varint,4,opt,name=tailLines"`
}

// DiagnosisStatus is the answer.
type DiagnosisStatus struct {
	// Phase of the environment when it was diagnosed.
	// +optional
	Phase EnvironmentPhase `json:"phase,omitempty" protobuf:"bytes,1,opt,name=phase,casttype=EnvironmentPhase"`
	// RootCauses name the services where the findings' causes lie.
	// +optional
	// +listType=atomic
	RootCauses []string `json:"rootCauses,omitempty" protobuf:"bytes,2,rep,name=rootCauses"`
	// Findings, root causes first.
	// +optional
	// +listType=atomic
	Findings []DiagnosisFinding `json:"findings,omitempty" protobuf:"bytes,3,rep,name=findings"`
	// Remediations are what remediate changed, or would change in a dry run.
	// +optional
	// +listType=atomic
	Remediations []RemediationRecord `json:"remediations,omitempty" protobuf:"bytes,4,rep,name=remediations"`
	// Explanation is the assistant's prose, when asked and available.
	// +optional
	Explanation string `json:"explanation,omitempty" protobuf:"bytes,5,opt,name=explanation"`
	// AssistantError says why no explanation came, when one was asked.
	// +optional
	AssistantError string `json:"assistantError,omitempty" protobuf:"bytes,6,opt,name=assistantError"`
}

// DiagnosisFinding is one diagnosed problem.
type DiagnosisFinding struct {
	// Analyzer is the rule that found it: StackTrace, AddressInUse,
	// MissingEnvironmentVariable, OutOfMemory, DependencyConnectionRefused,
	// DependencyNotReady, CrashLoop, ImagePullBackOff, Unschedulable,
	// ProbeFailed, Stopped, ProvisionFailed or Unhealthy.
	Analyzer string `json:"analyzer" protobuf:"bytes,1,opt,name=analyzer"`
	// Service it was found on; empty for the environment as a whole.
	// +optional
	Service string `json:"service,omitempty" protobuf:"bytes,2,opt,name=service"`
	// Severity is Critical, Error or Warning.
	Severity string `json:"severity" protobuf:"bytes,3,opt,name=severity"`
	// Cause says what is wrong.
	Cause string `json:"cause" protobuf:"bytes,4,opt,name=cause"`
	// Evidence are the log lines, events and states that show it.
	// +optional
	// +listType=atomic
	Evidence []string `json:"evidence,omitempty" protobuf:"bytes,5,rep,name=evidence"`
	// RootCause is the service where the cause lies: service for a root
	// cause, a dependency for a symptom.
	// +optional
	RootCause string `json:"rootCause,omitempty" protobuf:"bytes,6,opt,name=rootCause"`
	// Symptom says the finding follows from rootCause's failure.
	// +optional
	Symptom bool `json:"symptom,omitempty" protobuf:"varint,7,opt,name=symptom"`
	// Remediation would fix it.
	Remediation FindingRemediation `json:"remediation" protobuf:"bytes,8,opt,name=remediation"`
}

// FindingRemediation is the fix of a finding.
type FindingRemediation struct {
	// Action is Restart, Rollback, Resume, RaiseMemoryLimit (applied by
	// remediate) or None (advice for a person).
	Action string `json:"action" protobuf:"bytes,1,opt,name=action"`
	// Service the action applies to.
	// +optional
	Service string `json:"service,omitempty" protobuf:"bytes,2,opt,name=service"`
	// Description says what to do.
	Description string `json:"description" protobuf:"bytes,3,opt,name=description"`
}

// RemediationRecord is one change diagnose made (or, in a dry run, would
// make) to an environment.
type RemediationRecord struct {
	// Time it was made.
	Time metav1.Time `json:"time" protobuf:"bytes,1,opt,name=time"`
	// Action is Restart, Rollback, Resume or RaiseMemoryLimit.
	Action string `json:"action" protobuf:"bytes,2,opt,name=action"`
	// Service it applied to; empty for the environment.
	// +optional
	Service string `json:"service,omitempty" protobuf:"bytes,3,opt,name=service"`
	// Analyzer of the finding it remedies.
	// +optional
	Analyzer string `json:"analyzer,omitempty" protobuf:"bytes,4,opt,name=analyzer"`
	// Result is Applied, WouldApply (a dry run), Refused or Failed.
	Result string `json:"result" protobuf:"bytes,5,opt,name=result"`
	// Message says what changed, or why nothing did.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,6,opt,name=message"`
}

// ReadyBlueprint is a blueprint under which every service was Ready.
type ReadyBlueprint struct {
	// Generation of the environment's spec that held it.
	Generation int64 `json:"generation" protobuf:"varint,1,opt,name=generation"`
	// Blueprint as it was then.
	Blueprint Blueprint `json:"blueprint" protobuf:"bytes,2,opt,name=blueprint"`
}
