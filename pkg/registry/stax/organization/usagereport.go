package organization

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/cost"
	"github.com/microstax/stax/pkg/runsegment"
)

// Usage defaults and bounds.
const (
	// DefaultUsageWindow is the window of a usage request that names none.
	DefaultUsageWindow = 30 * 24 * time.Hour
	// maxSeriesSteps bounds the series of one answer.
	maxSeriesSteps = 1000
	// trendHistory is how many whole days back the trend model is fitted.
	trendHistory = 90
	// backTestDays are held out of the history for the back-test.
	backTestDays = 7
	// idleAfter is how long without use makes a running environment idle
	// for a recommendation.
	idleAfter = time.Hour
	// ReasonIdleWithoutAutoShutdown is the recommendation to set an idle
	// timeout on an unused environment.
	ReasonIdleWithoutAutoShutdown = "IdleWithoutAutoShutdown"
)

// usageInput is everything a usage answer is computed from.
type usageInput struct {
	org       *stax.Organization
	envs      []stax.Environment
	records   []stax.EnvironmentRecord
	baselines map[string]*stax.Baseline
	// lastUsed is when an environment was last named in a request.
	lastUsed func(namespace, name string) time.Time
	now      time.Time
	window   time.Duration
	group    cost.Grouping
	step     time.Duration
}

// history is one environment's, live or recorded, ready for pkg/cost.
type history struct {
	item      cost.Item
	created   time.Time
	ended     time.Time // deletion, or now while it lives
	last      []v1alpha1.ServiceRequests
	segments  []v1alpha1.RunSegment
	baseline  string
	blueprint *stax.Blueprint
	env       *stax.Environment // nil for a record
}

// computeUsage answers GET organizations/{name}/usage.
func computeUsage(in usageInput) *stax.OrganizationUsage {
	prices, _ := validation.Prices(in.org.Spec.Pricing, nil) // stored, so valid
	from, to := in.now.Add(-in.window), in.now
	hs := histories(in, from)
	items := itemsOf(hs)
	out := &stax.OrganizationUsage{
		ObjectMeta: metav1.ObjectMeta{Name: in.org.Name},
		Start:      metav1.NewTime(from), End: metav1.NewTime(to),
		Aggregate: in.group.Name,
		Pricing: stax.PriceSheet{VCPUHour: price(prices.CPUHour), MemoryGiBHour: price(prices.GiBHour),
			ReplicaHour: price(prices.ReplicaHour), Currency: prices.Currency},
	}
	total := cost.Total(items, from, to)
	out.Total = stax.UsageGroup{Usage: resourceUsage(total), Cost: money(prices.Cost(total))}
	for _, g := range cost.Aggregate(items, from, to, in.group, prices) {
		out.Groups = append(out.Groups, stax.UsageGroup{Key: g.Key, Usage: resourceUsage(g.Usage), Cost: money(g.Cost)})
	}
	if in.step > 0 {
		for _, p := range cost.Series(items, from, to, in.step, prices) {
			out.Series = append(out.Series, stax.UsagePoint{Start: metav1.NewTime(p.Start), Usage: resourceUsage(p.Usage), Cost: money(p.Cost)})
		}
	}
	// The trend is fitted on its own history, whatever the window asked.
	trendFrom := in.now.Add(-trendHistory * 24 * time.Hour)
	trendItems := items
	if trendFrom.Before(from) {
		trendItems = itemsOf(histories(in, trendFrom))
	}
	out.Forecast = forecast(hs, trendItems, in, prices)
	out.Savings = savings(hs, in, prices, from, to)
	return out
}

// histories are the organization's environments, recorded and live, that
// ran after from; a deleted environment whose record is written counts by
// its record.
func histories(in usageInput, from time.Time) []history {
	recorded := map[string]bool{}
	var out []history
	for i := range in.records {
		r := &in.records[i]
		recorded[r.EnvironmentUID] = true
		segs, days := segmentsOf(r.Segments), daysOf(r.DailyUsage)
		var cs []cost.Segment
		if len(segs) == 0 && len(days) == 0 && r.RunningSeconds > 0 {
			// A record from before segments: its run spread before its deletion.
			cs = legacySegment(r)
		} else {
			cs = runsegment.Segments(segs, days, r.DeletedAt.Time)
		}
		if r.DeletedAt.Time.Before(from) && !anyAfter(cs, from) {
			continue
		}
		labels := map[string]string{}
		for k, v := range r.Labels {
			if k != stax.LabelRecordEnvironment {
				labels[k] = v
			}
		}
		owner := r.Owner
		if owner == "" {
			owner = r.CreatedBy
		}
		h := history{
			item:    cost.Item{Environment: r.Environment, Owner: owner, Labels: labels, Segments: cs},
			created: r.CreatedAt.Time, ended: r.DeletedAt.Time, segments: segs, baseline: r.Baseline,
			blueprint: &r.Blueprint,
		}
		if n := len(segs); n > 0 {
			h.last = segs[n-1].Services
		}
		out = append(out, h)
	}
	for i := range in.envs {
		e := &in.envs[i]
		if recorded[string(e.UID)] {
			continue
		}
		segs, days := segmentsOf(e.Status.Segments), daysOf(e.Status.DailyUsage)
		h := history{
			item: cost.Item{Environment: e.Name, Owner: runsegment.Owner(e.Labels, e.Annotations), Labels: e.Labels,
				Segments: runsegment.Segments(segs, days, in.now)},
			created: e.CreationTimestamp.Time, ended: in.now, segments: segs, blueprint: &e.Spec.Blueprint, env: e,
		}
		if e.Spec.BaselineRef != nil {
			h.baseline = e.Spec.BaselineRef.Name
		}
		if n := len(segs); n > 0 {
			h.last = segs[n-1].Services
		}
		out = append(out, h)
	}
	return out
}

func anyAfter(segs []cost.Segment, t time.Time) bool {
	for _, s := range segs {
		if s.End.After(t) {
			return true
		}
	}
	return false
}

// legacySegment spreads a record's totals evenly over its running time,
// ending at its deletion.
func legacySegment(r *stax.EnvironmentRecord) []cost.Segment {
	hours := float64(r.RunningSeconds) / 3600
	u := runsegment.UsageOf(v1alpha1.ResourceUsage{CPUCoreHours: r.Usage.CPUCoreHours, MemoryGiBHours: r.Usage.MemoryGiBHours, ReplicaHours: r.Usage.ReplicaHours})
	return []cost.Segment{{Start: r.DeletedAt.Add(-time.Duration(r.RunningSeconds) * time.Second), End: r.DeletedAt.Time,
		Rate: cost.Rate{Replicas: u.ReplicaHours / hours, CPUCores: u.CPUCoreHours / hours, MemoryGiB: u.MemoryGiBHours / hours}}}
}

func itemsOf(hs []history) []cost.Item {
	items := make([]cost.Item, len(hs))
	for i, h := range hs {
		items[i] = h.item
	}
	return items
}

// forecast runs what runs now forward (hs), and fits the trend on the daily
// costs of trendItems.
func forecast(hs []history, trendItems []cost.Item, in usageInput, p cost.Prices) stax.UsageForecast {
	now := in.now
	monthEnd := time.Date(now.UTC().Year(), now.UTC().Month()+1, 1, 0, 0, 0, 0, time.UTC)
	in30 := now.Add(30 * 24 * time.Hour)
	var running []cost.Running
	for _, h := range hs {
		if h.env == nil || h.env.Status.StartedAt == nil || len(h.last) == 0 {
			continue
		}
		running = append(running, cost.Running{HourlyCost: hourlyCost(h.last, p), Until: stopsAt(h.env)})
	}
	f := stax.UsageForecast{RunRate: stax.ForecastFigures{
		RestOfMonth: stax.CostRange{Expected: money(cost.RunRate(running, now, monthEnd))},
		Next30Days:  stax.CostRange{Expected: money(cost.RunRate(running, now, in30))},
	}}

	daily := cost.DailyCosts(trendItems, now.Add(-trendHistory*24*time.Hour), now, p)
	for len(daily) > 0 && daily[0] == 0 {
		daily = daily[1:] // before the organization ran anything
	}
	m, err := cost.FitHolt(daily)
	if err != nil {
		f.Message = err.Error()
		return f
	}
	rng := func(days float64) stax.CostRange {
		mean, lo, hi := m.Sum(days)
		return stax.CostRange{Expected: money(mean), Low: money(lo), High: money(hi)}
	}
	t := &stax.TrendForecast{
		ForecastFigures: stax.ForecastFigures{RestOfMonth: rng(monthEnd.Sub(now).Hours() / 24), Next30Days: rng(30)},
		Model:           fmt.Sprintf("holt-linear alpha=%.2f beta=%.2f, 90%% interval", m.Alpha, m.Beta),
		HistoryDays:     int32(len(daily)),
	}
	if bt, err := cost.BackTestHolt(daily, backTestDays); err == nil {
		t.BackTest = &stax.ForecastBackTest{Days: int32(bt.Days), MeanAbsoluteError: money(bt.MeanAbsoluteError),
			MeanAbsolutePercentageError: strconv.FormatFloat(bt.MeanAbsolutePercentageError, 'f', 2, 64),
			Coverage:                    strconv.FormatFloat(bt.Coverage, 'f', 2, 64)}
	}
	f.Trend = t
	return f
}

// stopsAt is when env stops by itself: its idle shutdown or its
// expiration, whichever comes first; zero if neither is set.
func stopsAt(env *stax.Environment) time.Time {
	var t time.Time
	for _, s := range []*metav1.Time{env.Status.IdleShutdownTime, env.Status.ExpirationTime} {
		if s != nil && (t.IsZero() || s.Time.Before(t)) {
			t = s.Time
		}
	}
	return t
}

func hourlyCost(reqs []v1alpha1.ServiceRequests, p cost.Prices) float64 {
	var r cost.Rate
	for _, s := range reqs {
		r = r.Add(runsegment.RateOf(s))
	}
	return p.HourlyCost(r)
}

func savings(hs []history, in usageInput, p cost.Prices, from, to time.Time) stax.UsageSavings {
	var stops, overlays float64
	var recs []stax.SavingsRecommendation
	for _, h := range hs {
		// Always on: the last requests from creation to deletion (or now).
		if len(h.last) > 0 {
			alwaysOn := hourlyCost(h.last, p) * overlapHours(h.created, h.ended, from, to)
			actual := 0.0
			for _, s := range h.item.Segments {
				actual += p.Cost(s.Within(from, to))
			}
			stops += math.Max(0, alwaysOn-actual)
		}
		// A full copy would also run the baseline's services the overlay
		// shares, for as long as the overlay ran.
		if b := in.baselines[h.baseline]; b != nil && h.baseline != "" {
			shared := sharedServices(b.Status.Blueprint, h.blueprint)
			hours := 0.0
			for _, s := range h.segments {
				end := to
				if s.End != nil {
					end = s.End.Time
				}
				hours += overlapHours(s.Start.Time, end, from, to)
			}
			overlays += hourlyCost(shared, p) * hours
		}
		if rec, ok := idleRecommendation(h, in, p); ok {
			recs = append(recs, rec)
		}
	}
	return stax.UsageSavings{Stops: money(stops), Overlays: money(overlays), Recommendations: recs}
}

// idleRecommendation: an environment that runs without an idle timeout
// and has not been used for idleAfter would save its next 30 days' run
// rate (until its time-to-live) with one.
func idleRecommendation(h history, in usageInput, p cost.Prices) (stax.SavingsRecommendation, bool) {
	e := h.env
	if e == nil || e.Status.StartedAt == nil || len(h.last) == 0 ||
		(e.Spec.AutoShutdown != nil && e.Spec.AutoShutdown.IdleTimeout != nil) {
		return stax.SavingsRecommendation{}, false
	}
	last := e.Status.StartedAt.Time // a resume is use
	// Use through any replica, as the replica that served it wrote it.
	if used := e.Status.LastUsedTime; used != nil && used.After(last) {
		last = used.Time
	}
	if in.lastUsed != nil {
		if t := in.lastUsed(e.Namespace, e.Name); t.After(last) {
			last = t
		}
	}
	idle := in.now.Sub(last)
	if idle < idleAfter {
		return stax.SavingsRecommendation{}, false
	}
	hourly := hourlyCost(h.last, p)
	save := cost.RunRate([]cost.Running{{HourlyCost: hourly, Until: stopsAt(e)}}, in.now, in.now.Add(30*24*time.Hour))
	return stax.SavingsRecommendation{
		Environment: e.Name, Reason: ReasonIdleWithoutAutoShutdown, Next30Days: money(save),
		Message: fmt.Sprintf("unused for %s and running at %s %s an hour with no spec.autoShutdown.idleTimeout: set one, or stop it",
			idle.Truncate(time.Minute), money(hourly), p.Currency),
	}, true
}

// sharedServices are the baseline's services an overlay does not replace,
// with their requests (replicas defaulted to 1).
func sharedServices(base stax.Blueprint, overlay *stax.Blueprint) []v1alpha1.ServiceRequests {
	own := map[string]bool{}
	if overlay != nil {
		for _, s := range overlay.Services {
			own[s.Name] = true
		}
	}
	var out []v1alpha1.ServiceRequests
	for _, s := range base.Services {
		if own[s.Name] {
			continue
		}
		r := v1alpha1.ServiceRequests{Name: s.Name, Replicas: 1}
		if s.Replicas != nil {
			r.Replicas = *s.Replicas
		}
		if v, ok := s.Resources.Requests["cpu"]; ok {
			if q, err := resource.ParseQuantity(v.String()); err == nil {
				r.CPU = &q
			}
		}
		if v, ok := s.Resources.Requests["memory"]; ok {
			if q, err := resource.ParseQuantity(v.String()); err == nil {
				r.Memory = &q
			}
		}
		out = append(out, r)
	}
	return out
}

func overlapHours(a, b, from, to time.Time) float64 {
	if a.Before(from) {
		a = from
	}
	if b.After(to) {
		b = to
	}
	if !b.After(a) {
		return 0
	}
	return b.Sub(a).Hours()
}

func segmentsOf(in []stax.RunSegment) []v1alpha1.RunSegment {
	out := make([]v1alpha1.RunSegment, len(in))
	for i := range in {
		_ = v1alpha1.Convert_stax_RunSegment_To_v1alpha1_RunSegment(&in[i], &out[i], nil)
	}
	return out
}

func daysOf(in []stax.DailyUsage) []v1alpha1.DailyUsage {
	out := make([]v1alpha1.DailyUsage, len(in))
	for i := range in {
		_ = v1alpha1.Convert_stax_DailyUsage_To_v1alpha1_DailyUsage(&in[i], &out[i], nil)
	}
	return out
}

func resourceUsage(u cost.Usage) stax.ResourceUsage {
	r := runsegment.ResourceUsage(u)
	return stax.ResourceUsage{CPUCoreHours: r.CPUCoreHours, MemoryGiBHours: r.MemoryGiBHours, ReplicaHours: r.ReplicaHours}
}

// money is an amount to 6 places: a millionth of the currency, so that a
// second of a small service still shows.
func money(f float64) string { return strconv.FormatFloat(f, 'f', 6, 64) }

func price(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
