package organization

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/utils/clock"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/compliance"
	"github.com/microstax/stax/pkg/cost"
)

// Counters are the request counters the report reads (a
// compliance.Recorder).
type Counters interface {
	Read(ctx context.Context, org string, from, to time.Time) (compliance.Bucket, error)
	// Auditing says this server has an audit backend.
	Auditing() bool
}

// ComplianceReportREST serves GET organizations/{name}/compliancereport:
// the organization's controls from its request counters and its
// environments. Computed, never stored; anyone who may read the
// Organization may read it, as its usage.
type ComplianceReportREST struct {
	orgs     rest.Getter
	envs     rest.Lister
	counters Counters
	clock    clock.PassiveClock
}

var _ rest.GetterWithOptions = &ComplianceReportREST{}
var _ rest.TableConvertor = &ComplianceReportREST{}

// NewComplianceReportREST reads organizations from orgs, the organization's
// environments from envs and its request counts from counters (nil: the
// request controls say there are none).
func NewComplianceReportREST(orgs rest.Getter, envs rest.Lister, counters Counters) *ComplianceReportREST {
	return &ComplianceReportREST{orgs: orgs, envs: envs, counters: counters, clock: clock.RealClock{}}
}

// SetClock makes the answer's "now" clk's.
func (r *ComplianceReportREST) SetClock(clk clock.PassiveClock) { r.clock = clk }

// New returns an empty report.
func (r *ComplianceReportREST) New() runtime.Object { return &stax.ComplianceReport{} }

// Destroy is a no-op: the stores own the storage.
func (r *ComplianceReportREST) Destroy() {}

// NewGetOptions returns the options the query string is decoded into.
func (r *ComplianceReportREST) NewGetOptions() (runtime.Object, bool, string) {
	return &stax.ComplianceReportOptions{}, false, ""
}

// Get computes the report of organization name.
func (r *ComplianceReportREST) Get(ctx context.Context, name string, options runtime.Object) (runtime.Object, error) {
	opts, ok := options.(*stax.ComplianceReportOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", options)
	}
	window, errs := parseComplianceWindow(opts.Window)
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(stax.Kind("ComplianceReportOptions"), name, errs)
	}
	if _, err := r.orgs.Get(ctx, name, &metav1.GetOptions{}); err != nil {
		return nil, err
	}
	now := r.clock.Now().UTC()
	// From a whole hour: the counters' resolution.
	in := complianceInput{org: name, from: compliance.HourOf(now.Add(-window)), to: now}
	envs, err := r.envs.List(genericapirequest.WithNamespace(ctx, name), &metainternalversion.ListOptions{})
	if err != nil {
		return nil, err
	}
	in.envs = envs.(*stax.EnvironmentList).Items
	if r.counters == nil {
		in.countsErr = "this server keeps no request counters"
	} else {
		in.auditing = r.counters.Auditing()
		if in.counts, err = r.counters.Read(ctx, name, in.from, now); err != nil {
			return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("reading the request counters: %v", err))
		}
	}
	return computeCompliance(in), nil
}

// parseComplianceWindow is the window asked for, at most the counters'
// retention.
func parseComplianceWindow(s string) (time.Duration, field.ErrorList) {
	if s == "" {
		return DefaultComplianceWindow, nil
	}
	d, err := cost.ParseDuration(s)
	switch {
	case err != nil:
		return 0, field.ErrorList{field.Invalid(field.NewPath("window"), s, err.Error())}
	case d > compliance.Retention:
		return 0, field.ErrorList{field.Invalid(field.NewPath("window"), s,
			fmt.Sprintf("must be at most the counters' retention, %dd", int(compliance.Retention.Hours()/24)))}
	}
	return d, nil
}

var complianceColumns = []metav1.TableColumnDefinition{
	{Name: "Control", Type: "string", Description: "What is measured."},
	{Name: "Result", Type: "string", Description: "Pass, Fail or NotApplicable."},
	{Name: "Figure", Type: "string", Description: "Compliant share, in percent."},
	{Name: "Threshold", Type: "string", Description: "Least share that passes, in percent."},
	{Name: "Compliant", Type: "string", Description: "Compliant of measured."},
	{Name: "Failing", Type: "string", Description: "The first objects that fail it."},
	{Name: "Message", Type: "string", Priority: 1, Description: "Why it is not applicable, or a limit of the figure."},
}

// ConvertToTable prints a report as one row per control.
func (r *ComplianceReportREST) ConvertToTable(_ context.Context, obj runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	report, ok := obj.(*stax.ComplianceReport)
	if !ok {
		return nil, fmt.Errorf("cannot print %T as a compliance report", obj)
	}
	table := &metav1.Table{}
	if opt, ok := tableOptions.(*metav1.TableOptions); !ok || !opt.NoHeaders {
		table.ColumnDefinitions = complianceColumns
	}
	for _, c := range report.Controls {
		figure := c.Figure
		if figure == "" {
			figure = "-"
		}
		// Each row is of the one report: the server prints a row's object's
		// metadata.
		table.Rows = append(table.Rows, metav1.TableRow{Object: runtime.RawExtension{Object: report}, Cells: []interface{}{
			c.Name, c.Result, figure, c.Threshold, fmt.Sprintf("%d/%d", c.Compliant, c.Total), failingCell(c), c.Message}})
	}
	return table, nil
}

// failingCell names the first three failing objects and counts the rest.
func failingCell(c stax.ComplianceControl) string {
	out := ""
	for i, f := range c.Failing {
		if i == 3 {
			break
		}
		if out != "" {
			out += ","
		}
		out += f.Name
	}
	if more := c.FailingTotal - int64(min(len(c.Failing), 3)); more > 0 && out != "" {
		out += fmt.Sprintf(" (+%d)", more)
	}
	if out == "" {
		return "<none>"
	}
	return out
}
