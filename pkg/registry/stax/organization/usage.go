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
	"github.com/microstax/stax/pkg/cost"
)

// UsageREST serves GET organizations/{name}/usage: resource-hours and cost
// over a window from the organization's EnvironmentRecords and live
// Environments, grouped, in steps, with a forecast and savings. Anyone who
// may read the Organization may read its usage.
type UsageREST struct {
	orgs                     rest.Getter
	envs, records, baselines rest.Lister
	// LastUsed says when an environment was last named in a request (the
	// activity tracker); nil counts its last resume only.
	LastUsed func(namespace, name string) time.Time
	clock    clock.PassiveClock
}

var _ rest.GetterWithOptions = &UsageREST{}

// NewUsageREST reads organizations from orgs and the organization's
// environments, records and baselines from their stores.
func NewUsageREST(orgs rest.Getter, envs, records, baselines rest.Lister) *UsageREST {
	return &UsageREST{orgs: orgs, envs: envs, records: records, baselines: baselines, clock: clock.RealClock{}}
}

// SetClock makes the answer's "now" clk's.
func (r *UsageREST) SetClock(clk clock.PassiveClock) { r.clock = clk }

// New returns an empty answer.
func (r *UsageREST) New() runtime.Object { return &stax.OrganizationUsage{} }

// Destroy is a no-op: the stores own the storage.
func (r *UsageREST) Destroy() {}

// NewGetOptions returns the options the query string is decoded into.
func (r *UsageREST) NewGetOptions() (runtime.Object, bool, string) {
	return &stax.OrganizationUsageOptions{}, false, ""
}

// Get computes the usage of organization name.
func (r *UsageREST) Get(ctx context.Context, name string, options runtime.Object) (runtime.Object, error) {
	opts, ok := options.(*stax.OrganizationUsageOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", options)
	}
	obj, err := r.orgs.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	org := obj.(*stax.Organization)
	in := usageInput{org: org, lastUsed: r.LastUsed, now: r.clock.Now()}
	if errs := parseUsageOptions(opts, stax.RecordRetention(org.Spec.RecordRetention), &in); len(errs) > 0 {
		return nil, apierrors.NewInvalid(stax.Kind("OrganizationUsageOptions"), name, errs)
	}
	nsCtx := genericapirequest.WithNamespace(ctx, name)
	list := func(l rest.Lister) (runtime.Object, error) {
		return l.List(nsCtx, &metainternalversion.ListOptions{})
	}
	envs, err := list(r.envs)
	if err != nil {
		return nil, err
	}
	records, err := list(r.records)
	if err != nil {
		return nil, err
	}
	baselines, err := list(r.baselines)
	if err != nil {
		return nil, err
	}
	in.envs = envs.(*stax.EnvironmentList).Items
	in.records = records.(*stax.EnvironmentRecordList).Items
	in.baselines = map[string]*stax.Baseline{}
	for i, b := range baselines.(*stax.BaselineList).Items {
		in.baselines[b.Name] = &baselines.(*stax.BaselineList).Items[i]
	}
	return computeUsage(in), nil
}

// parseUsageOptions checks the options into in: a window no longer than
// the records are kept, a known grouping, and a step that cuts the window
// into at most maxSeriesSteps.
func parseUsageOptions(opts *stax.OrganizationUsageOptions, retention time.Duration, in *usageInput) field.ErrorList {
	var errs field.ErrorList
	in.window = DefaultUsageWindow
	if opts.Window != "" {
		d, err := cost.ParseDuration(opts.Window)
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(field.NewPath("window"), opts.Window, err.Error()))
		case d > retention:
			errs = append(errs, field.Invalid(field.NewPath("window"), opts.Window,
				fmt.Sprintf("must be at most the organization's record retention, %dd", int(retention.Hours()/24))))
		default:
			in.window = d
		}
	}
	by := opts.Aggregate
	if by == "" {
		by = cost.ByEnvironment
	}
	g, err := cost.GroupBy(by)
	if err != nil {
		errs = append(errs, field.Invalid(field.NewPath("aggregate"), opts.Aggregate, err.Error()))
	}
	in.group = g
	if opts.Step != "" {
		d, err := cost.ParseDuration(opts.Step)
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(field.NewPath("step"), opts.Step, err.Error()))
		case (in.window+d-1)/d > maxSeriesSteps:
			errs = append(errs, field.Invalid(field.NewPath("step"), opts.Step,
				fmt.Sprintf("cuts the window into more than %d steps", maxSeriesSteps)))
		default:
			in.step = d
		}
	}
	return errs
}
