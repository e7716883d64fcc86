package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DriftMode is what the drift controller does about drift.
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
// objects no longer match their plan. It is written through the
// organizations/driftpolicy subresource only.
type DriftPolicy struct {
	// Mode is off, detect or remediate.
	Mode DriftMode
	// GracePeriod is how long drift lasts before remediate restores the plan.
	GracePeriod *metav1.Duration
	// Ignore lists drift that is neither reported nor remediated.
	Ignore []DriftIgnoreRule
}

// DriftIgnoreRule ignores the drift of some fields of some services.
type DriftIgnoreRule struct {
	// Services names the services the rule covers; empty is every service.
	Services []string
	// Fields names the drift fields the rule covers; empty is every field.
	Fields []string
}

// EnvironmentDrift is what the drift controller found of an environment.
type EnvironmentDrift struct {
	// LastCheckTime is when the live objects were last compared with the plan.
	LastCheckTime *metav1.Time
	// History is the drift found, oldest first, at most MaxDriftHistory
	// entries; an entry without ResolvedAt still drifts.
	History []DriftRecord
	// Remediations counts how often the plan was restored.
	Remediations int32
	// LastRemediationTime is when the plan was last restored.
	LastRemediationTime *metav1.Time
}

// MaxDriftHistory bounds EnvironmentDrift.History.
const MaxDriftHistory = 20

// DriftRecord is one drift of one field of one service.
type DriftRecord struct {
	// Service is the blueprint service that drifted.
	Service string
	// Field is one of DriftFields.
	Field string
	// Expected is what the plan says; Actual what runs.
	Expected, Actual string
	// DetectedAt is when the drift was first seen.
	DetectedAt metav1.Time
	// ResolvedAt is when the drift was last seen gone.
	ResolvedAt *metav1.Time
	// Remediated says the drift controller restored the plan.
	Remediated bool
}
