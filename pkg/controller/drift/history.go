package drift

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/apis/stax"
	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

// MaxHistory bounds status.drift.history; its home is the API's, whose
// validation refuses more.
const MaxHistory = stax.MaxDriftHistory

// Reasons of the Drifted condition.
const (
	ReasonDrifted    = "Drifted"
	ReasonInSync     = "InSync"
	ReasonRemediated = "Remediated"
)

// observed folds one check's drift into the environment's drift status:
// a drift of a service's field seen before keeps its record (and the time
// it was first seen), a new one gets a record, and a record no longer seen
// is resolved. The history keeps the newest MaxHistory records, resolved
// ones dropped first.
func observed(st *staxv1.EnvironmentDrift, found []runtime.Drift, now metav1.Time) {
	seen := map[string]bool{}
	for _, d := range found {
		key := d.Service + "/" + d.Field
		seen[key] = true
		if r := open(st, d.Service, d.Field); r != nil {
			r.Expected, r.Actual = d.Expected, d.Actual
			continue
		}
		st.History = append(st.History, staxv1.DriftRecord{Service: d.Service, Field: d.Field,
			Expected: d.Expected, Actual: d.Actual, DetectedAt: now})
	}
	for i := range st.History {
		r := &st.History[i]
		if r.ResolvedAt == nil && !seen[r.Service+"/"+r.Field] {
			t := now
			r.ResolvedAt = &t
		}
	}
	for len(st.History) > MaxHistory {
		drop := 0
		for i, r := range st.History {
			if r.ResolvedAt != nil {
				drop = i
				break
			}
		}
		st.History = append(st.History[:drop], st.History[drop+1:]...)
	}
	t := now
	st.LastCheckTime = &t
}

// open is the unresolved record of a service's field, if any.
func open(st *staxv1.EnvironmentDrift, service, field string) *staxv1.DriftRecord {
	for i := range st.History {
		r := &st.History[i]
		if r.ResolvedAt == nil && r.Service == service && r.Field == field {
			return r
		}
	}
	return nil
}

// due says whether the drift has lasted the grace period (some unresolved
// record was first seen that long ago) and the last remediation is at
// least gap old, so that drift the runtime cannot undo is not restored in
// a tight loop. Otherwise wait is how long until then (0 when nothing
// drifts).
func due(st *staxv1.EnvironmentDrift, grace, gap time.Duration, now time.Time) (bool, time.Duration) {
	var oldest time.Time
	for _, r := range st.History {
		if r.ResolvedAt == nil && (oldest.IsZero() || r.DetectedAt.Time.Before(oldest)) {
			oldest = r.DetectedAt.Time
		}
	}
	if oldest.IsZero() {
		return false, 0
	}
	at := oldest.Add(grace)
	if st.LastRemediationTime != nil {
		if next := st.LastRemediationTime.Add(gap); next.After(at) {
			at = next
		}
	}
	if left := at.Sub(now); left > 0 {
		return false, left
	}
	return true, 0
}

// remediated marks the unresolved records as restored by the controller
// and counts the remediation.
func remediated(st *staxv1.EnvironmentDrift, now metav1.Time) {
	for i := range st.History {
		if st.History[i].ResolvedAt == nil {
			st.History[i].Remediated = true
		}
	}
	st.Remediations++
	t := now
	st.LastRemediationTime = &t
}

// setCondition states the Drifted condition from the drift status.
func setCondition(conds *[]metav1.Condition, st *staxv1.EnvironmentDrift, gen int64, now metav1.Time) {
	var open []string
	lastRemediated := false
	for _, r := range st.History {
		if r.ResolvedAt == nil {
			open = append(open, fmt.Sprintf("%s %s: want %s, have %s", r.Service, r.Field, r.Expected, r.Actual))
		} else {
			lastRemediated = r.Remediated
		}
	}
	c := metav1.Condition{Type: staxv1.ConditionDrifted, ObservedGeneration: gen, LastTransitionTime: now}
	switch {
	case len(open) > 0:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, ReasonDrifted, truncate(strings.Join(open, "; "))
	case lastRemediated:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, ReasonRemediated, "the plan was restored; the live objects match it"
	default:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, ReasonInSync, "the live objects match the plan"
	}
	meta.SetStatusCondition(conds, c)
}

// truncate keeps a condition message within the API's 32768 bytes.
func truncate(s string) string {
	const max = 4096
	if len(s) <= max {
		return s
	}
	return s[:max-3] + "..."
}
