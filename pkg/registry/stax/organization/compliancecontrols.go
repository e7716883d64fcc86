package organization

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/compliance"
	"github.com/microstax/stax/pkg/runsegment"
)

// Compliance report defaults and bounds.
const (
	// DefaultComplianceWindow is the window of a report that names none.
	DefaultComplianceWindow = 7 * 24 * time.Hour
	// maxFindings bounds the objects listed under one control.
	maxFindings = 50
)

// Names of the controls, in the report's order.
const (
	ControlDualSignature       = "DualSignature"
	ControlAuditCoverage       = "AuditCoverage"
	ControlEnvironmentOwner    = "EnvironmentOwner"
	ControlAutoShutdown        = "AutoShutdown"
	ControlImageDigest         = "ImageDigest"
	ControlNoDrift             = "NoDrift"
	ControlShadowDiffsReviewed = "ShadowDiffsReviewed"
)

// ComplianceThresholds are the least figure, in percent, each control
// passes with: every request and every object, for now.
var ComplianceThresholds = map[string]float64{
	ControlDualSignature: 100, ControlAuditCoverage: 100, ControlEnvironmentOwner: 100, ControlAutoShutdown: 100,
	ControlImageDigest: 100, ControlNoDrift: 100, ControlShadowDiffsReviewed: 100,
}

// complianceInput is everything a report is computed from.
type complianceInput struct {
	org      string
	envs     []stax.Environment
	from, to time.Time
	// counts are the organization's request counters in the window;
	// countsErr says why there are none.
	counts    compliance.Bucket
	countsErr string
	// auditing says this server has an audit backend.
	auditing bool
}

// control computes one control of the report.
type control func(complianceInput) stax.ComplianceControl

// controls are the report's, in order. Shadow's control is one function
// to replace once shadow diffs can be reviewed.
var controls = []control{dualSignature, auditCoverage, environmentOwner, autoShutdown, imageDigest, noDrift, shadowDiffsReviewed}

// computeCompliance answers GET organizations/{name}/compliancereport.
func computeCompliance(in complianceInput) *stax.ComplianceReport {
	out := &stax.ComplianceReport{ObjectMeta: metav1.ObjectMeta{Name: in.org},
		Start: metav1.NewTime(in.from), End: metav1.NewTime(in.to)}
	sort.Slice(in.envs, func(i, j int) bool { return in.envs[i].Name < in.envs[j].Name })
	for _, c := range controls {
		ctl := c(in)
		switch ctl.Result {
		case stax.CompliancePass:
			out.Passed++
		case stax.ComplianceFail:
			out.Failed++
		}
		out.Controls = append(out.Controls, ctl)
	}
	return out
}

// measured is a control's figure Compliant/Total against its threshold;
// nothing measured is NotApplicable.
func measured(name, description string, compliant, total int64, failing []stax.ComplianceFinding, failingTotal int64) stax.ComplianceControl {
	threshold := ComplianceThresholds[name]
	c := stax.ComplianceControl{Name: name, Description: description, Compliant: compliant, Total: total,
		Threshold: percent(threshold), FailingTotal: failingTotal, Result: stax.ComplianceNotApplicable}
	if len(failing) > maxFindings {
		failing = failing[:maxFindings]
	}
	c.Failing = failing
	if total == 0 {
		return c
	}
	// Floored, so that a failing figure never reads 100.00.
	figure := math.Floor(float64(compliant)*10000/float64(total)) / 100
	c.Figure = percent(figure)
	c.Result = stax.ComplianceFail
	if float64(compliant)*100 >= threshold*float64(total) {
		c.Result = stax.CompliancePass
	}
	return c
}

func percent(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func dualSignature(in complianceInput) stax.ComplianceControl {
	b := in.counts
	var failing []stax.ComplianceFinding
	for i := len(b.SingleSigned) - 1; i >= 0; i-- {
		s := b.SingleSigned[i]
		failing = append(failing, stax.ComplianceFinding{Kind: "Token", Name: s.TokenID, Time: timeOf(s.At),
			Reason: fmt.Sprintf("token of %s verified with ES256 only: no ML-DSA-65 proof", s.Subject)})
	}
	c := measured(ControlDualSignature, "Share of the organization's requests whose token's ES256 and ML-DSA-65 signatures both verified",
		b.DualSigned, b.Requests, failing, b.Requests-b.DualSigned)
	if in.countsErr != "" {
		c.Message = in.countsErr
	} else if c.Result == stax.ComplianceNotApplicable {
		c.Message = "no request of the organization's tokens in the window"
	}
	return c
}

func auditCoverage(in complianceInput) stax.ComplianceControl {
	b := in.counts
	var failing []stax.ComplianceFinding
	for i := len(b.Unaudited) - 1; i >= 0; i-- {
		s := b.Unaudited[i]
		what := s.Resource
		if s.Name != "" {
			what += " " + s.Name
		}
		failing = append(failing, stax.ComplianceFinding{Kind: "Request", Name: s.AuditID, Time: timeOf(s.At),
			Reason: fmt.Sprintf("%s %s by %s: no audit event", s.Verb, what, s.User)})
	}
	c := measured(ControlAuditCoverage, "Share of the organization's mutating requests, counted apart from the audit backend, "+
		"whose audit ID an audit backend recorded an event of", b.Audited, b.Mutating, failing, b.Mutating-b.Audited)
	switch {
	case in.countsErr != "":
		c.Message = in.countsErr
	case !in.auditing:
		c.Message = "this server has no audit backend (--audit-log-path, --audit-webhook-config-file): nothing it serves is audited"
	case c.Result == stax.ComplianceNotApplicable:
		c.Message = "no mutating request of the organization's tokens in the window"
	}
	return c
}

func environmentOwner(in complianceInput) stax.ComplianceControl {
	var failing []stax.ComplianceFinding
	for _, e := range in.envs {
		if reason := ownerProblem(&e); reason != "" {
			failing = append(failing, stax.ComplianceFinding{Kind: "Environment", Name: e.Name, Reason: reason})
		}
	}
	n := int64(len(in.envs))
	return withEnvMessage(measured(ControlEnvironmentOwner, "Share of environments with an owner: the "+runsegment.LabelOwner+
		" label, else a creator who is a person (not a system: component)", n-int64(len(failing)), n, failing, int64(len(failing))), n)
}

// ownerProblem says why an environment has no owner, as usage finds one:
// its owner label, else its creator; a component's name (system:…) is
// nobody to ask.
func ownerProblem(e *stax.Environment) string {
	owner := runsegment.Owner(e.Labels, e.Annotations)
	switch {
	case owner == "":
		return "no " + runsegment.LabelOwner + " label and no creator"
	case e.Labels[runsegment.LabelOwner] == "" && strings.HasPrefix(owner, "system:"):
		return "no " + runsegment.LabelOwner + " label, and created by " + owner + ", a component"
	}
	return ""
}

func autoShutdown(in complianceInput) stax.ComplianceControl {
	var failing []stax.ComplianceFinding
	for _, e := range in.envs {
		a := e.Spec.AutoShutdown
		if a == nil || (!positive(a.IdleTimeout) && !positive(a.TimeToLive)) {
			failing = append(failing, stax.ComplianceFinding{Kind: "Environment", Name: e.Name,
				Reason: "neither spec.autoShutdown.idleTimeout nor spec.autoShutdown.timeToLive is set"})
		}
	}
	n := int64(len(in.envs))
	return withEnvMessage(measured(ControlAutoShutdown, "Share of environments that stop when idle or end after a time-to-live",
		n-int64(len(failing)), n, failing, int64(len(failing))), n)
}

func positive(d *metav1.Duration) bool { return d != nil && d.Duration > 0 }

// digestPinned is an image reference that ends in a content digest.
var digestPinned = regexp.MustCompile(`@(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`)

func imageDigest(in complianceInput) stax.ComplianceControl {
	var failing []stax.ComplianceFinding
	var total, commandOnly int64
	for _, e := range in.envs {
		for _, s := range e.Spec.Blueprint.Services {
			if s.Image == "" {
				commandOnly++
				continue
			}
			total++
			if !digestPinned.MatchString(s.Image) {
				failing = append(failing, stax.ComplianceFinding{Kind: "Service", Name: e.Name + "/" + s.Name,
					Reason: fmt.Sprintf("image %s is not pinned by digest (name@sha256:…)", s.Image)})
			}
		}
	}
	c := measured(ControlImageDigest, "Share of services' images pinned by digest",
		total-int64(len(failing)), total, failing, int64(len(failing)))
	if commandOnly > 0 {
		c.Message = fmt.Sprintf("%d command-only services not counted: the local runtime runs a host command, which has no digest to pin", commandOnly)
	} else if total == 0 {
		c.Message = "no service with an image"
	}
	return c
}

func noDrift(in complianceInput) stax.ComplianceControl {
	var failing []stax.ComplianceFinding
	var checked int64
	for _, e := range in.envs {
		cond := apimeta.FindStatusCondition(e.Status.Conditions, v1alpha1.ConditionDrifted)
		if cond == nil {
			continue
		}
		checked++
		if cond.Status == metav1.ConditionTrue {
			failing = append(failing, stax.ComplianceFinding{Kind: "Environment", Name: e.Name, Reason: cond.Message})
		}
	}
	c := measured(ControlNoDrift, "Share of the environments the drift controller checks whose runtime objects match their plan (the Drifted condition)",
		checked-int64(len(failing)), checked, failing, int64(len(failing)))
	if checked == 0 {
		c.Message = "no environment is checked for drift: the organization's drift policy is off, or nothing runs (docs/drift.md)"
	}
	return c
}

// shadowDiffsReviewed waits for shadow: once overlays' behavioural diffs
// can be reviewed, this measures the overlays whose diffs were.
func shadowDiffsReviewed(complianceInput) stax.ComplianceControl {
	c := measured(ControlShadowDiffsReviewed, "Share of overlays whose shadow diffs against their baseline were reviewed", 0, 0, nil, 0)
	c.Message = "not measured yet: shadow traffic and behavioural diffs are not built"
	return c
}

func withEnvMessage(c stax.ComplianceControl, n int64) stax.ComplianceControl {
	if n == 0 {
		c.Message = "the organization has no environment"
	}
	return c
}

func timeOf(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	mt := metav1.NewTime(t)
	return &mt
}
