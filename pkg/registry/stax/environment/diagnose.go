package environment

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/diagnose"
	envruntime "github.com/microstax/stax/pkg/runtime"
)

// DiagnoseSource is what a diagnosis reads of the runtime: the services'
// states and their logs. A runtime that is also an envruntime.Restarter
// can restart services; an envruntime.EventLister adds pod events (the
// kubernetes runtime).
type DiagnoseSource interface {
	LogSource
	Status(ctx context.Context, org, env string) (envruntime.EnvironmentState, error)
}

// defaultDiagnosisTailLines is spec.tailLines when unset.
const defaultDiagnosisTailLines = 200

// DiagnoseREST serves POST environments/{name}/diagnose, a create of a
// Diagnosis whose answer is computed and never stored (as IdentityReview):
// pkg/diagnose's analyzers over the environment's status and the runtime's
// states, logs and events. With spec.remediate it applies the root causes'
// safe remediations through the environments REST (so quota and baselines
// have their say) and the runtime, and records them in status.remediations.
type DiagnoseREST struct {
	env    *REST
	status *genericregistry.Store
	source DiagnoseSource
	// Assistant explains findings when asked; nil without one.
	Assistant diagnose.Assistant
	now       func() time.Time
}

var (
	_ rest.NamedCreater    = &DiagnoseREST{}
	_ rest.StorageMetadata = &DiagnoseREST{}
)

// New returns an empty Diagnosis, the request's body.
func (r *DiagnoseREST) New() runtime.Object { return &stax.Diagnosis{} }

// Destroy is a no-op: the main store owns the storage.
func (r *DiagnoseREST) Destroy() {}

// ProducesMIMETypes: the default ones.
func (r *DiagnoseREST) ProducesMIMETypes(verb string) []string { return nil }

// ProducesObject: the answer is the Diagnosis.
func (r *DiagnoseREST) ProducesObject(verb string) interface{} { return v1alpha1.Diagnosis{} }

// Create diagnoses the environment and, when asked, remediates it.
func (r *DiagnoseREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	req, ok := obj.(*stax.Diagnosis)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Diagnosis: %T", obj))
	}
	if errs := validation.ValidateDiagnosis(req, name); len(errs) > 0 {
		return nil, apierrors.NewInvalid(stax.Kind("Diagnosis"), name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, req.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	got, err := r.env.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	env := got.(*stax.Environment)
	in, err := r.input(ctx, env, req.Spec.TailLines)
	if err != nil {
		return nil, err
	}
	findings := diagnose.Run(in)
	out := &stax.Diagnosis{
		ObjectMeta: metav1.ObjectMeta{Name: env.Name, Namespace: env.Namespace, CreationTimestamp: metav1.NewTime(r.now())},
		Spec:       req.Spec,
		Status:     stax.DiagnosisStatus{Phase: env.Status.Phase, RootCauses: diagnose.Roots(findings), Findings: toAPI(findings)},
	}
	if req.Spec.Remediate {
		dryRun := req.Spec.DryRun || (options != nil && len(options.DryRun) > 0)
		out.Status.Remediations = r.remediate(ctx, env, findings, dryRun)
		if !dryRun && len(out.Status.Remediations) > 0 {
			if err := r.record(ctx, env.Name, out.Status.Remediations); err != nil {
				return nil, err
			}
		}
	}
	if req.Spec.Explain {
		switch {
		case r.Assistant == nil:
			out.Status.AssistantError = "this server has no assistant (--assistant-endpoint)"
		case len(findings) == 0:
		default:
			text, err := r.Assistant.Explain(ctx, env.Name, findings)
			if err != nil {
				out.Status.AssistantError = err.Error()
			}
			out.Status.Explanation = text
		}
	}
	return out, nil
}

// input gathers what the analyzers read: the stored spec and status, and
// from the runtime, when the server runs environments, the live states,
// the last lines of each service's logs (secrets hidden, as by LogREST)
// and the events.
func (r *DiagnoseREST) input(ctx context.Context, env *stax.Environment, tailLines *int64) (diagnose.Input, error) {
	in := diagnose.Input{Runtime: diagnose.RuntimeLocal, Phase: string(env.Status.Phase), Paused: env.Spec.Paused}
	for _, c := range env.Status.Conditions {
		in.Conditions = append(in.Conditions, diagnose.Condition{Type: c.Type, Status: string(c.Status), Reason: c.Reason, Message: c.Message})
	}
	last := env.Status.LastReady
	in.HasLastReady = last != nil && last.Generation != env.Generation
	in.Changed = map[string]bool{}
	base, err := r.baselineOf(ctx, env)
	if err != nil {
		return in, err
	}
	states := map[string]envruntime.ServiceState{}
	for _, s := range env.Status.Services {
		states[s.Name] = envruntime.ServiceState{Name: s.Name, Desired: s.DesiredReplicas, Ready: s.ReadyReplicas,
			Restarts: s.Restarts, Health: s.Health, Endpoint: s.Endpoint, Message: s.Message}
	}
	var events []envruntime.Event
	var secrets []string
	if r.source != nil && !env.Spec.Paused {
		live, err := r.source.Status(ctx, env.Namespace, env.Name)
		switch {
		case err == nil:
			for _, s := range live.Services {
				states[s.Name] = s
			}
		case !errors.Is(err, envruntime.ErrNotFound):
			return in, apierrors.NewServiceUnavailable("the runtime's state is unknown: " + err.Error())
		}
		if el, ok := r.source.(envruntime.EventLister); ok {
			in.Runtime = diagnose.RuntimeKubernetes
			if events, err = el.Events(ctx, env.Namespace, env.Name); err != nil {
				return in, apierrors.NewServiceUnavailable("the runtime's events are unknown: " + err.Error())
			}
		}
		if secrets, err = r.source.SecretValues(ctx, env.Namespace, env.Name); err != nil && !errors.Is(err, envruntime.ErrNotFound) {
			return in, apierrors.NewServiceUnavailable("the secret values to hide from the logs are unknown: " + err.Error())
		}
	}
	tail := int64(defaultDiagnosisTailLines)
	if tailLines != nil {
		tail = *tailLines
	}
	for _, spec := range env.Spec.Blueprint.Services {
		st := states[spec.Name]
		s := diagnose.Service{Name: spec.Name, DependsOn: spec.DependsOn, Endpoint: st.Endpoint,
			Desired: st.Desired, Ready: st.Ready, Restarts: st.Restarts, Health: st.Health,
			Reason: st.Reason, Message: st.Message, LastTermination: st.LastTermination}
		if s.Health == "" {
			s.Health = envruntime.HealthUnknown
		}
		if v, ok := spec.Resources.Limits["memory"]; ok {
			s.MemoryLimit = v.String()
		}
		for _, e := range events {
			if e.Service == spec.Name {
				s.Events = append(s.Events, e)
			}
		}
		if r.source != nil && !env.Spec.Paused {
			s.Logs = r.logLines(ctx, env, spec.Name, tail, secrets)
		}
		if in.HasLastReady {
			old := lastReadyService(last, spec.Name)
			in.Changed[spec.Name] = old == nil || !apiequality.Semantic.DeepEqual(*old, spec)
		}
		if b := serviceOf(base, spec.Name); b != nil && !apiequality.Semantic.DeepEqual(*b, spec) {
			if in.BaselineDiffers == nil {
				in.BaselineDiffers = map[string]bool{}
			}
			in.BaselineDiffers[spec.Name] = true
		}
		in.Services = append(in.Services, s)
	}
	if in.HasLastReady {
		for _, old := range last.Blueprint.Services {
			if serviceOf(&env.Spec.Blueprint, old.Name) == nil {
				in.Changed[old.Name] = true // removed since
			}
		}
	}
	return in, nil
}

// logLines are the last lines of a service, secrets redacted; a service
// without logs has none.
func (r *DiagnoseREST) logLines(ctx context.Context, env *stax.Environment, service string, tail int64, secrets []string) []string {
	rc, err := r.source.Logs(ctx, env.Namespace, env.Name, envruntime.LogOptions{Service: service, Replica: -1, TailLines: &tail})
	if err != nil {
		return nil
	}
	rc = envruntime.Redact(rc, secrets)
	defer rc.Close()
	var lines []string
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, stripLogPrefix(strings.TrimRight(sc.Text(), "\r")))
	}
	return lines
}

func lastReadyService(last *stax.ReadyBlueprint, name string) *stax.ServiceSpec {
	if last == nil {
		return nil
	}
	return serviceOf(&last.Blueprint, name)
}

func serviceOf(bp *stax.Blueprint, name string) *stax.ServiceSpec {
	if bp == nil {
		return nil
	}
	for i := range bp.Services {
		if bp.Services[i].Name == name {
			return &bp.Services[i]
		}
	}
	return nil
}

// baselineOf is the frozen blueprint of an overlay's baseline, nil for an
// environment that is no overlay or whose baseline is gone.
func (r *DiagnoseREST) baselineOf(ctx context.Context, env *stax.Environment) (*stax.Blueprint, error) {
	if env.Spec.BaselineRef == nil {
		return nil, nil
	}
	base, errs := r.env.bases.forUpdate(ctx, env)
	if len(errs) > 0 {
		return nil, apierrors.NewServiceUnavailable("the overlay's baseline is unknown: " + errs.ToAggregate().Error())
	}
	return base, nil
}

// refuseIfHeld refuses, before any change or dry run, the rollbacks
// (Rollback, RollbackToBaseline) of an environment whose blueprint a
// Baseline not being deleted holds, saying so in the remediation's own
// words. The same rule (REST.holding) refuses RaiseMemoryLimit too, as
// guardUpdate's 422 of the update; Restart and Resume leave the blueprint
// alone and are never refused for it.
func (r *DiagnoseREST) refuseIfHeld(ctx context.Context, env *stax.Environment) error {
	held, err := r.env.holding(ctx, env.Name)
	if err != nil {
		return err
	}
	if len(held) > 0 {
		return refused("baseline %s holds the environment's blueprint: it is never rolled back", strings.Join(held, ", "))
	}
	return nil
}

func toAPI(findings []diagnose.Finding) []stax.DiagnosisFinding {
	out := make([]stax.DiagnosisFinding, 0, len(findings))
	for _, f := range findings {
		out = append(out, stax.DiagnosisFinding{Analyzer: f.Analyzer, Service: f.Service, Severity: string(f.Severity),
			Cause: f.Cause, Evidence: f.Evidence, RootCause: f.Root, Symptom: f.Symptom(),
			Remediation: stax.FindingRemediation{Action: string(f.Remediation.Action), Service: f.Remediation.Service, Description: f.Remediation.Description}})
	}
	return out
}

// remediate applies each root cause's remediation once. Symptoms are left
// alone: they go away with their cause.
func (r *DiagnoseREST) remediate(ctx context.Context, env *stax.Environment, findings []diagnose.Finding, dryRun bool) []stax.RemediationRecord {
	var out []stax.RemediationRecord
	done := map[diagnose.Remediation]bool{}
	for _, f := range findings {
		rem := f.Remediation
		if f.Symptom() || rem.Action == diagnose.ActionNone || rem.Action == "" {
			continue
		}
		key := diagnose.Remediation{Action: rem.Action, Service: rem.Service}
		if done[key] {
			continue
		}
		done[key] = true
		rec := stax.RemediationRecord{Time: metav1.NewTime(r.now()), Action: string(rem.Action), Service: rem.Service, Analyzer: f.Analyzer}
		msg, err := r.apply(ctx, env, rem, dryRun)
		switch {
		case errors.Is(err, errRefused):
			rec.Result, rec.Message = stax.RemediationRefused, strings.TrimPrefix(err.Error(), errRefused.Error()+": ")
		case apierrors.IsForbidden(err) || apierrors.IsInvalid(err) || apierrors.IsConflict(err):
			rec.Result, rec.Message = stax.RemediationRefused, err.Error()
		case err != nil:
			rec.Result, rec.Message = stax.RemediationFailed, err.Error()
		case dryRun:
			rec.Result, rec.Message = stax.RemediationWouldApply, msg
		default:
			rec.Result, rec.Message = stax.RemediationApplied, msg
		}
		out = append(out, rec)
	}
	return out
}

var errRefused = errors.New("refused")

func refused(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errRefused, fmt.Sprintf(format, a...))
}

// apply makes one remediation and says what it changed.
func (r *DiagnoseREST) apply(ctx context.Context, env *stax.Environment, rem diagnose.Remediation, dryRun bool) (string, error) {
	switch rem.Action {
	case diagnose.ActionRestart:
		rs, ok := r.source.(envruntime.Restarter)
		if !ok {
			return "", refused("this server's runtime cannot restart a service")
		}
		if dryRun {
			return "would restart " + rem.Service, nil
		}
		if err := rs.Restart(ctx, env.Namespace, env.Name, rem.Service); err != nil {
			return "", err
		}
		return "restarted " + rem.Service, nil
	case diagnose.ActionRollback:
		last := env.Status.LastReady
		if last == nil {
			return "", refused("no Ready blueprint is known")
		}
		if err := r.refuseIfHeld(ctx, env); err != nil {
			return "", err
		}
		what := "the blueprint"
		if rem.Service != "" {
			what = rem.Service
		}
		msg := fmt.Sprintf("rolled %s back to generation %d, the last Ready blueprint", what, last.Generation)
		return r.updateSpec(ctx, env.Name, dryRun, msg, func(e *stax.Environment) error {
			if rem.Service == "" {
				e.Spec.Blueprint = *last.Blueprint.DeepCopy()
				return nil
			}
			old := lastReadyService(last, rem.Service)
			for i := range e.Spec.Blueprint.Services {
				if e.Spec.Blueprint.Services[i].Name != rem.Service {
					continue
				}
				if old == nil {
					return refused("%s was not in the last Ready blueprint", rem.Service)
				}
				e.Spec.Blueprint.Services[i] = *old.DeepCopy()
				return nil
			}
			return refused("%s is no longer in the blueprint", rem.Service)
		})
	case diagnose.ActionRollbackToBaseline:
		if err := r.refuseIfHeld(ctx, env); err != nil {
			return "", err
		}
		base, err := r.baselineOf(ctx, env)
		if err != nil {
			return "", err
		}
		old := serviceOf(base, rem.Service)
		if old == nil {
			return "", refused("%s has no version in the environment's baseline", rem.Service)
		}
		msg := fmt.Sprintf("rolled %s back to its version in baseline %s", rem.Service, env.Spec.BaselineRef.Name)
		return r.updateSpec(ctx, env.Name, dryRun, msg, func(e *stax.Environment) error {
			if s := serviceOf(&e.Spec.Blueprint, rem.Service); s != nil {
				*s = *old.DeepCopy()
				return nil
			}
			return refused("%s is no longer in the blueprint", rem.Service)
		})
	case diagnose.ActionResume:
		if !env.Spec.Paused {
			return "", refused("the environment is not stopped")
		}
		return r.updateSpec(ctx, env.Name, dryRun, "resumed the environment", func(e *stax.Environment) error {
			e.Spec.Paused = false
			return nil
		})
	case diagnose.ActionRaiseMemory:
		var msg string
		m, err := r.updateSpec(ctx, env.Name, dryRun, "", func(e *stax.Environment) error {
			var err error
			msg, err = raiseMemory(e, rem.Service)
			return err
		})
		if m != "" {
			msg = m
		}
		return msg, err
	}
	return "", refused("unknown action %s", rem.Action)
}

// updateSpec changes the environment through the environments REST, so
// that quota, baselines and validation judge the change as any update's.
func (r *DiagnoseREST) updateSpec(ctx context.Context, name string, dryRun bool, msg string, change func(*stax.Environment) error) (string, error) {
	opts := &metav1.UpdateOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	_, _, err := r.env.Update(ctx, name, rest.DefaultUpdatedObjectInfo(nil,
		func(ctx context.Context, newObj, oldObj runtime.Object) (runtime.Object, error) {
			e := oldObj.(*stax.Environment).DeepCopy()
			if err := change(e); err != nil {
				return nil, err
			}
			return e, nil
		}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, opts)
	if err != nil {
		return "", err
	}
	if dryRun {
		return "would have " + msg, nil
	}
	return msg, nil
}

// raiseMemory doubles a service's memory limit, and its request when it
// equalled the limit (so the replica keeps its class of service); the
// update's quota check refuses what the organization cannot afford.
func raiseMemory(env *stax.Environment, service string) (string, error) {
	for i := range env.Spec.Blueprint.Services {
		s := &env.Spec.Blueprint.Services[i]
		if s.Name != service {
			continue
		}
		v, ok := s.Resources.Limits["memory"]
		if !ok {
			return "", refused("%s has no memory limit to raise", service)
		}
		limit, err := validation.ParseQuantity(v)
		if err != nil {
			return "", refused("memory limit of %s: %v", service, err)
		}
		raised := limit.DeepCopy()
		raised.Add(limit)
		next := intstr.FromString(raised.String())
		if req, ok := s.Resources.Requests["memory"]; ok {
			if q, err := validation.ParseQuantity(req); err == nil && q.Cmp(limit) == 0 {
				s.Resources.Requests["memory"] = next
			}
		}
		s.Resources.Limits["memory"] = next
		return fmt.Sprintf("raised the memory limit of %s from %s to %s", service, limit.String(), raised.String()), nil
	}
	return "", refused("%s is no longer in the blueprint", service)
}

// record appends to status.remediations, keeping the latest
// stax.MaxRemediationHistory.
func (r *DiagnoseREST) record(ctx context.Context, name string, recs []stax.RemediationRecord) error {
	_, _, err := r.status.Update(ctx, name, rest.DefaultUpdatedObjectInfo(nil,
		func(ctx context.Context, newObj, oldObj runtime.Object) (runtime.Object, error) {
			e := oldObj.(*stax.Environment).DeepCopy()
			e.Status.Remediations = append(e.Status.Remediations, recs...)
			if n := len(e.Status.Remediations) - stax.MaxRemediationHistory; n > 0 {
				e.Status.Remediations = append([]stax.RemediationRecord(nil), e.Status.Remediations[n:]...)
			}
			return e, nil
		}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	return err
}

// stripLogPrefix drops what the runtimes put before an output line: the
// "<service>-<replica> " label of a merged selection and the time stamp,
// so that the analyzers and the evidence see the line as written.
func stripLogPrefix(line string) string {
	head, rest, _ := strings.Cut(line, " ")
	if isTimestamp(head) {
		return rest
	}
	if i := strings.LastIndexByte(head, '-'); i > 0 && i < len(head)-1 && strings.Trim(head[i+1:], "0123456789") == "" {
		if stamp, text, _ := strings.Cut(rest, " "); isTimestamp(stamp) {
			return text
		}
	}
	return line
}

func isTimestamp(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}
