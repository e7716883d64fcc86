package organization

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/compliance"
	"github.com/microstax/stax/pkg/runsegment"
)

const digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func env(name string, mod func(*stax.Environment)) stax.Environment {
	e := stax.Environment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme",
		Annotations: map[string]string{stax.AnnotationCreatedBy: "alice"}},
		Spec: stax.EnvironmentSpec{AutoShutdown: &stax.AutoShutdown{IdleTimeout: &metav1.Duration{Duration: time.Hour}},
			Blueprint: stax.Blueprint{Services: []stax.ServiceSpec{{Name: "web", Image: "nginx" + digest}}}}}
	if mod != nil {
		mod(&e)
	}
	return e
}

func drifted(status metav1.ConditionStatus) func(*stax.Environment) {
	return func(e *stax.Environment) {
		e.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionDrifted, Status: status, Message: "web replicas: want 1, have 3"}}
	}
}

// TestComplianceControls: on a prepared organization each control names
// exactly the objects that fail it, with the figure computed by hand.
func TestComplianceControls(t *testing.T) {
	envs := []stax.Environment{
		env("good", drifted(metav1.ConditionFalse)),
		env("bot-made", func(e *stax.Environment) { e.Annotations[stax.AnnotationCreatedBy] = "system:serviceaccount:ci:bot" }),
		env("bot-owned", func(e *stax.Environment) {
			e.Annotations[stax.AnnotationCreatedBy] = "system:serviceaccount:ci:bot"
			e.Labels = map[string]string{runsegment.LabelOwner: "carol"}
		}),
		env("forever", func(e *stax.Environment) { e.Spec.AutoShutdown = nil }),
		env("ttl", func(e *stax.Environment) {
			e.Spec.AutoShutdown = &stax.AutoShutdown{TimeToLive: &metav1.Duration{Duration: time.Hour}}
		}),
		env("zero", func(e *stax.Environment) {
			e.Spec.AutoShutdown = &stax.AutoShutdown{IdleTimeout: &metav1.Duration{}}
		}),
		env("tagged", func(e *stax.Environment) {
			e.Spec.Blueprint.Services = append(e.Spec.Blueprint.Services,
				stax.ServiceSpec{Name: "api", Image: "ghcr.io/acme/api:1.2"},
				stax.ServiceSpec{Name: "short", Image: "nginx@sha256:0123"},
				stax.ServiceSpec{Name: "cmd", Command: []string{"./run"}})
		}),
		env("moved", drifted(metav1.ConditionTrue)),
	}
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	counts := compliance.Bucket{Requests: 8, DualSigned: 6, Mutating: 7, Audited: 5,
		SingleSigned: []compliance.TokenSample{{TokenID: "j-old", Subject: "bob", At: t0}, {TokenID: "j-new", Subject: "bob", At: t0.Add(time.Minute)}},
		Unaudited: []compliance.RequestSample{{AuditID: "a1", Verb: "patch", Resource: "environments", Name: "web", User: "bob", At: t0},
			{AuditID: "a2", Verb: "patch", Resource: "environments", Name: "api", User: "bob", At: t0.Add(time.Minute)}}}
	report := computeCompliance(complianceInput{org: "acme", envs: envs, counts: counts, auditing: true, from: t0, to: t0.Add(time.Hour)})

	type want struct {
		result           string
		compliant, total int64
		figure           string
		failing          []string
	}
	wants := map[string]want{
		ControlDualSignature:       {stax.ComplianceFail, 6, 8, "75.00", []string{"j-new", "j-old"}},
		ControlAuditCoverage:       {stax.ComplianceFail, 5, 7, "71.42", []string{"a2", "a1"}}, // floored: 71.428…
		ControlEnvironmentOwner:    {stax.ComplianceFail, 7, 8, "87.50", []string{"bot-made"}},
		ControlAutoShutdown:        {stax.ComplianceFail, 6, 8, "75.00", []string{"forever", "zero"}},
		ControlImageDigest:         {stax.ComplianceFail, 8, 10, "80.00", []string{"tagged/api", "tagged/short"}},
		ControlNoDrift:             {stax.ComplianceFail, 1, 2, "50.00", []string{"moved"}},
		ControlShadowDiffsReviewed: {stax.ComplianceNotApplicable, 0, 0, "", nil},
	}
	if len(report.Controls) != len(wants) || report.Failed != 6 || report.Passed != 0 {
		t.Fatalf("%d controls, %d failed, %d passed", len(report.Controls), report.Failed, report.Passed)
	}
	for i, c := range report.Controls {
		if c.Name != controlOrder[i] {
			t.Errorf("control %d is %s, want %s", i, c.Name, controlOrder[i])
		}
		w := wants[c.Name]
		var names []string
		for _, f := range c.Failing {
			names = append(names, f.Name)
		}
		if c.Result != w.result || c.Compliant != w.compliant || c.Total != w.total || c.Figure != w.figure ||
			!reflect.DeepEqual(names, w.failing) || c.FailingTotal != w.total-w.compliant || c.Threshold != "100.00" {
			t.Errorf("%s: %s %d/%d %q failing %v (%d), want %+v", c.Name, c.Result, c.Compliant, c.Total, c.Figure, names, c.FailingTotal, w)
		}
	}
	if msg := report.Controls[4].Message; !strings.Contains(msg, "1 command-only services not counted") {
		t.Errorf("image control's message %q", msg)
	}
	if r := report.Controls[1].Failing[0].Reason; r != "patch environments api by bob: no audit event" {
		t.Errorf("audit finding %q", r)
	}
}

var controlOrder = []string{ControlDualSignature, ControlAuditCoverage, ControlEnvironmentOwner, ControlAutoShutdown,
	ControlImageDigest, ControlNoDrift, ControlShadowDiffsReviewed}

// Everything compliant passes; nothing to measure is NotApplicable, and a
// server without an audit backend says so.
func TestComplianceEdges(t *testing.T) {
	all := computeCompliance(complianceInput{org: "acme", envs: []stax.Environment{env("good", drifted(metav1.ConditionFalse))},
		counts: compliance.Bucket{Requests: 3, DualSigned: 3, Mutating: 2, Audited: 2}, auditing: true})
	if all.Passed != 6 || all.Failed != 0 {
		t.Errorf("compliant organization: %d passed, %d failed: %+v", all.Passed, all.Failed, all.Controls)
	}
	empty := computeCompliance(complianceInput{org: "acme"})
	for _, c := range empty.Controls {
		if c.Result != stax.ComplianceNotApplicable || c.Figure != "" || c.Message == "" {
			t.Errorf("empty organization: %s %s %q %q", c.Name, c.Result, c.Figure, c.Message)
		}
	}
	unaudited := computeCompliance(complianceInput{org: "acme", counts: compliance.Bucket{Mutating: 2}})
	if c := unaudited.Controls[1]; c.Result != stax.ComplianceFail || c.Figure != "0.00" || !strings.Contains(c.Message, "no audit backend") {
		t.Errorf("no audit backend: %+v", c)
	}
	// 999 of 1000 is below 100 and never reads 100.00.
	near := computeCompliance(complianceInput{org: "acme", counts: compliance.Bucket{Requests: 1000, DualSigned: 999}})
	if c := near.Controls[0]; c.Result != stax.ComplianceFail || c.Figure != "99.90" {
		t.Errorf("999/1000: %s %s", c.Result, c.Figure)
	}
}

func TestComplianceWindow(t *testing.T) {
	for in, want := range map[string]time.Duration{"": DefaultComplianceWindow, "36h": 36 * time.Hour, "31d": compliance.Retention} {
		if d, errs := parseComplianceWindow(in); len(errs) != 0 || d != want {
			t.Errorf("%q: %v %v, want %v", in, d, errs, want)
		}
	}
	for _, bad := range []string{"32d", "7x", "-1h"} {
		if _, errs := parseComplianceWindow(bad); len(errs) != 1 || errs[0].Field != "window" {
			t.Errorf("%q: %v, want one error on window", bad, errs)
		}
	}
}

func TestComplianceTable(t *testing.T) {
	report := computeCompliance(complianceInput{org: "acme", envs: []stax.Environment{
		env("a", func(e *stax.Environment) { e.Spec.AutoShutdown = nil }), env("b", func(e *stax.Environment) { e.Spec.AutoShutdown = nil }),
		env("c", func(e *stax.Environment) { e.Spec.AutoShutdown = nil }), env("d", func(e *stax.Environment) { e.Spec.AutoShutdown = nil })}})
	table, err := (&ComplianceReportREST{}).ConvertToTable(context.Background(), report, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(table.Rows) != len(controlOrder) || len(table.ColumnDefinitions) != 7 {
		t.Fatalf("%d rows, %d columns", len(table.Rows), len(table.ColumnDefinitions))
	}
	row := table.Rows[3].Cells
	if row[0] != ControlAutoShutdown || row[1] != stax.ComplianceFail || row[2] != "0.00" || row[4] != "0/4" || row[5] != "a,b,c (+1)" {
		t.Errorf("auto-shutdown row %v", row)
	}
	if row := table.Rows[0].Cells; row[2] != "-" || row[5] != "<none>" {
		t.Errorf("dual-signature row %v", row)
	}
}
