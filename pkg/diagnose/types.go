package diagnose

import "github.com/microstax/stax/pkg/runtime"

// Runtimes an Input may come from; some causes read differently on each.
const (
	RuntimeLocal      = "local"
	RuntimeKubernetes = "kubernetes"
)

// Input is what the analyzers read of one environment.
type Input struct {
	// Runtime is RuntimeLocal or RuntimeKubernetes.
	Runtime string
	Phase   string
	// Paused says the environment is stopped on purpose.
	Paused     bool
	Conditions []Condition
	// Services in blueprint order.
	Services []Service
	// Changed names the services whose spec differs from the last Ready
	// blueprint, those it had and the blueprint no longer has included; a
	// rollback can undo what changed there.
	Changed map[string]bool
	// HasLastReady says a Ready blueprint is known to roll back to.
	HasLastReady bool
	// BaselineDiffers names, on an overlay, the services its baseline also
	// has with another spec; a rollback to the baseline's version undoes
	// what the overlay changed.
	BaselineDiffers map[string]bool
}

// Condition is one condition of the environment.
type Condition struct {
	Type, Status, Reason, Message string
}

// Service is what the analyzers read of one service.
type Service struct {
	Name      string
	DependsOn []string
	// Endpoint is the address dependents reach the service at.
	Endpoint                 string
	Desired, Ready, Restarts int32
	// Health, Reason and Message are the runtime's (runtime.ServiceState).
	Health, Reason, Message string
	LastTermination         *runtime.Termination
	// Logs are the service's recent output lines, oldest first.
	Logs   []string
	Events []runtime.Event
	// MemoryLimit is the limit of one replica as written ("256Mi"), if any.
	MemoryLimit string
}

// Severity of a finding.
type Severity string

const (
	SeverityCritical Severity = "Critical" // the service cannot run
	SeverityError    Severity = "Error"    // the service fails or is unhealthy
	SeverityWarning  Severity = "Warning"  // it runs, but something is wrong
)

// Action is a remediation diagnose knows how to apply.
type Action string

const (
	// ActionRestart restarts the service in place.
	ActionRestart Action = "Restart"
	// ActionRollback puts back the service's spec of the last Ready blueprint.
	ActionRollback Action = "Rollback"
	// ActionRollbackToBaseline puts back, on an overlay, the service's spec
	// in its baseline.
	ActionRollbackToBaseline Action = "RollbackToBaseline"
	// ActionResume resumes the stopped environment.
	ActionResume Action = "Resume"
	// ActionRaiseMemory raises the service's memory limit (kubernetes).
	ActionRaiseMemory Action = "RaiseMemoryLimit"
	// ActionNone is advice a person has to follow.
	ActionNone Action = "None"
)

// Remediation is what would fix a finding.
type Remediation struct {
	Action Action
	// Service the action applies to.
	Service string
	// Description says what to do, for a person or for the record.
	Description string
}

// Finding is one diagnosed problem.
type Finding struct {
	// Analyzer names the rule that found it (CrashLoop, AddressInUse...).
	Analyzer string
	Service  string
	Severity Severity
	Cause    string
	// Evidence are the log lines, events and states that show it.
	Evidence    []string
	Remediation Remediation
	// Root is the service where the cause lies: Service itself for a root
	// cause, a (transitive) dependency for a symptom.
	Root string
}

// Symptom says the finding is a consequence of another service's failure.
func (f Finding) Symptom() bool { return f.Root != f.Service }
