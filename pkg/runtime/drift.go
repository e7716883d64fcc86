package runtime

import "context"

// Drift fields: what of a service's live objects differs from its plan.
// A drift policy's ignore rules name them.
const (
	DriftReplicas = "replicas"
	DriftImage    = "image"
	DriftEnv      = "env"
	DriftPorts    = "ports"
	DriftCommand  = "command"
	// DriftMissing is an object of the plan (a Deployment, a Service) that
	// is gone.
	DriftMissing = "missing"
)

// DriftFields are every drift field, for validation and documentation.
var DriftFields = []string{DriftReplicas, DriftImage, DriftEnv, DriftPorts, DriftCommand, DriftMissing}

// Drift is one difference between what runs and the plan. Expected and
// Actual are short and never hold a secret value.
type Drift struct {
	Service string
	// Field is one of the Drift* constants.
	Field            string
	Expected, Actual string
}

// DriftDetector is a runtime that can compare an environment's live
// objects with its plan and put them back. What a runtime counts as drift
// is in its package's contract; restarts after a crash never are.
type DriftDetector interface {
	// Drift compares what runs of plan's environment with plan. A service
	// the runtime is still converging on (not yet applied, stopped, or
	// between a crash and its restart) reports no drift.
	Drift(ctx context.Context, plan Plan) ([]Drift, error)
	// Remediate restores plan where drift says the live objects differ.
	Remediate(ctx context.Context, plan Plan, drift []Drift) error
}

// DriftRecorder is a runtime whose target keeps events (a cluster's Event
// API): the drift controller records drift and remediations there too.
type DriftRecorder interface {
	RecordDrift(ctx context.Context, org, env string, drift []Drift, remediated bool) error
}
