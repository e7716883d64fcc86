package v1alpha1

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DriftMode is what the drift controller does about drift.
// +enum
type DriftMode string

const (
	// DriftOff checks nothing (the default).
	DriftOff DriftMode = "off"
	// DriftDetect reports drift in each environment's status.
	DriftDetect DriftMode = "detect"
	// DriftRemediate reports drift and restores the plan once the drift has
	// lasted the grace period.
	DriftRemediate DriftMode = "remediate"
)

// DriftPolicy is an organization's rule for environments whose live runtime
// objects (Deployments and Services, or processes) no longer match their
// plan. It is written through the organizations/driftpolicy subresource
// only, by the organization's admins or the platform; a write of the
// Organization itself keeps it as it is.
type DriftPolicy struct {
	// Mode is off (the default), detect or remediate.
	// +optional
	Mode DriftMode `json:"mode,omitempty" protobuf:"bytes,1,opt,name=mode,casttype=DriftMode"`
	// GracePeriod is how long drift lasts before remediate restores the
	// plan (default 1m, at most 24h).
	// +optional
	GracePeriod *metav1.Duration `json:"gracePeriod,omitempty" protobuf:"bytes,2,opt,name=gracePeriod"`
	// Ignore lists drift that is neither reported nor remediated.
	// +optional
	// +listType=atomic
	Ignore []DriftIgnoreRule `json:"ignore,omitempty" protobuf:"bytes,3,rep,name=ignore"`
}

// DriftIgnoreRule ignores the drift of some fields of some services; at
// least one of the two lists is set.
type DriftIgnoreRule struct {
	// Services names the services the rule covers; empty is every service.
	// +optional
	// +listType=set
	Services []string `json:"services,omitempty" protobuf:"bytes,1,rep,name=services"`
	// Fields names the drift the rule covers: replicas, image, env, ports,
	// command or missing; empty is every field.
	// +optional
	// +listType=set
	Fields []string `json:"fields,omitempty" protobuf:"bytes,2,rep,name=fields"`
}

// EnvironmentDrift is what the drift controller found of an environment.
type EnvironmentDrift struct {
	// LastCheckTime is when the live objects were last compared with the plan.
	// +optional
	LastCheckTime *metav1.Time `json:"lastCheckTime,omitempty" protobuf:"bytes,1,opt,name=lastCheckTime"`
	// History is the drift found, oldest first, at most 20 entries; an
	// entry without resolvedAt still drifts.
	// +optional
	// +listType=atomic
	History []DriftRecord `json:"history,omitempty" protobuf:"bytes,2,rep,name=history"`
	// Remediations counts how often the plan was restored.
	// +optional
	Remediations int32 `json:"remediations,omitempty" protobuf:"varint,3,opt,name=remediations"`
	// LastRemediationTime is when the plan was last restored.
	// +optional
	LastRemediationTime *metav1.Time `json:"lastRemediationTime,omitempty" protobuf:"bytes,4,opt,name=lastRemediationTime"`
}

// DriftRecord is one drift of one field of one service.
type DriftRecord struct {
	// Service is the blueprint service that drifted.
	Service string `json:"service" protobuf:"bytes,1,opt,name=service"`
	// Field is replicas, image, env, ports, command or missing.
	Field string `json:"field" protobuf:"bytes,2,opt,name=field"`
	// Expected is what the plan says.
	// +optional
	Expected string `json:"expected,omitempty" protobuf:"bytes,3,opt,name=expected"`
	// Actual is what runs.
	// +optional
	Actual string `json:"actual,omitempty" protobuf:"bytes,4,opt,name=actual"`
	// DetectedAt is when the drift was first seen.
	DetectedAt metav1.Time `json:"detectedAt" protobuf:"bytes,5,opt,name=detectedAt"`
	// ResolvedAt is when the drift was last seen gone.
	// +optional
	ResolvedAt *metav1.Time `json:"resolvedAt,omitempty" protobuf:"bytes,6,opt,name=resolvedAt"`
	// Remediated says the drift controller restored the plan.
	// +optional
	Remediated bool `json:"remediated,omitempty" protobuf:"varint,7,opt,name=remediated"`
}

// ConditionDrifted is True while an environment's live objects differ from
// its plan (drift its organization's policy does not ignore).
const ConditionDrifted = "Drifted"

// Ignores says whether the policy ignores drift of field in service: some
// rule covers both.
func (p *DriftPolicy) Ignores(service, field string) bool {
	if p == nil {
		return false
	}
	for _, r := range p.Ignore {
		if (len(r.Services) == 0 || slices.Contains(r.Services, service)) && (len(r.Fields) == 0 || slices.Contains(r.Fields, field)) {
			return true
		}
	}
	return false
}
