// Package runsegment keeps an environment's run segments, the API's form
// of its history (status.segments and status.dailyUsage, copied into its
// record), and turns them into pkg/cost's segments.
package runsegment

import (
	"strconv"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cost"
)

// Keep is how many segments a status keeps; older ones are folded into
// daily usage, so that an environment stopped and resumed for a year keeps
// a status of bounded size: at most a day's entry per service and day.
const Keep = 16

// DateLayout is the form of DailyUsage.Date.
const DateLayout = "2006-01-02"

// Track keeps st's segments in step with its running state at now: a
// segment opens when the environment runs (at st.StartedAt), closes when
// it stops (at st.StoppedAt), and a change of requests while it runs
// closes one and opens the next.
func Track(st *staxv1.EnvironmentStatus, requests []staxv1.ServiceRequests, now time.Time) {
	var open *staxv1.RunSegment
	if n := len(st.Segments); n > 0 && st.Segments[n-1].End == nil {
		open = &st.Segments[n-1]
	}
	switch {
	case st.StartedAt == nil && open != nil:
		end := metav1.NewTime(now)
		if st.StoppedAt != nil {
			end = *st.StoppedAt
		}
		open.End = &end
	case st.StartedAt != nil && open == nil:
		st.Segments = append(st.Segments, staxv1.RunSegment{Start: *st.StartedAt, Services: requests})
	case st.StartedAt != nil && !apiequality.Semantic.DeepEqual(open.Services, requests):
		t := metav1.NewTime(now)
		open.End = &t
		st.Segments = append(st.Segments, staxv1.RunSegment{Start: t, Services: requests})
	}
	st.Segments, st.DailyUsage = Fold(st.Segments, st.DailyUsage, Keep)
}

// Close ends an open last segment at now, for a record.
func Close(segs []staxv1.RunSegment, now time.Time) []staxv1.RunSegment {
	out := append([]staxv1.RunSegment(nil), segs...)
	if n := len(out); n > 0 && out[n-1].End == nil {
		t := metav1.NewTime(now)
		out[n-1].End = &t
	}
	return out
}

// Fold folds the oldest closed segments into days until at most keep
// segments are left.
func Fold(segs []staxv1.RunSegment, days []staxv1.DailyUsage, keep int) ([]staxv1.RunSegment, []staxv1.DailyUsage) {
	if len(segs) <= keep {
		return segs, days
	}
	n := len(segs) - keep
	var folded []cost.Segment
	for _, s := range segs[:n] {
		folded = append(folded, toCost(s, time.Time{})...)
	}
	return append([]staxv1.RunSegment(nil), segs[n:]...), fromDays(cost.Fold(toDays(days), folded...))
}

// Segments is the whole history as pkg/cost's segments, an open segment
// running until now and each folded day spread over its hours.
func Segments(segs []staxv1.RunSegment, days []staxv1.DailyUsage, now time.Time) []cost.Segment {
	var out []cost.Segment
	for _, d := range toDays(days) {
		out = append(out, d.Segment())
	}
	for _, s := range segs {
		out = append(out, toCost(s, now)...)
	}
	return out
}

// RateOf is what one service's requests hold while running.
func RateOf(r staxv1.ServiceRequests) cost.Rate {
	n := float64(r.Replicas)
	rate := cost.Rate{Replicas: n}
	if r.CPU != nil {
		rate.CPUCores = n * r.CPU.AsApproximateFloat64()
	}
	if r.Memory != nil {
		rate.MemoryGiB = n * r.Memory.AsApproximateFloat64() / (1 << 30)
	}
	return rate
}

func toCost(s staxv1.RunSegment, now time.Time) []cost.Segment {
	end := now
	if s.End != nil {
		end = s.End.Time
	}
	out := make([]cost.Segment, 0, len(s.Services))
	for _, r := range s.Services {
		out = append(out, cost.Segment{Service: r.Name, Start: s.Start.Time, End: end, Rate: RateOf(r)})
	}
	return out
}

func toDays(days []staxv1.DailyUsage) []cost.Day {
	var out []cost.Day
	for _, d := range days {
		date, err := time.Parse(DateLayout, d.Date)
		if err != nil {
			continue // written by Fold only
		}
		for _, s := range d.Services {
			out = append(out, cost.Day{Service: s.Name, Date: date, Usage: UsageOf(s.Usage)})
		}
	}
	return out
}

func fromDays(days []cost.Day) []staxv1.DailyUsage {
	var out []staxv1.DailyUsage
	for _, d := range days {
		date := d.Date.Format(DateLayout)
		if n := len(out); n == 0 || out[n-1].Date != date {
			out = append(out, staxv1.DailyUsage{Date: date})
		}
		last := &out[len(out)-1]
		last.Services = append(last.Services, staxv1.ServiceUsage{Name: d.Service, Usage: ResourceUsage(d.Usage)})
	}
	return out
}

// ResourceUsage is u in the API's form: decimal strings of resource-hours
// to 6 places (a resolution of 3.6 ms of one core).
func ResourceUsage(u cost.Usage) staxv1.ResourceUsage {
	return staxv1.ResourceUsage{CPUCoreHours: Decimal(u.CPUCoreHours), MemoryGiBHours: Decimal(u.MemoryGiBHours), ReplicaHours: Decimal(u.ReplicaHours)}
}

// UsageOf reads the API's form back.
func UsageOf(u staxv1.ResourceUsage) cost.Usage {
	f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	return cost.Usage{CPUCoreHours: f(u.CPUCoreHours), MemoryGiBHours: f(u.MemoryGiBHours), ReplicaHours: f(u.ReplicaHours)}
}

// Decimal is f to 6 places.
func Decimal(f float64) string { return strconv.FormatFloat(f, 'f', 6, 64) }

// LabelOwner names an environment's owner, when it is not its creator.
const LabelOwner = "stax.microstax.ai/owner"

// Owner is whom an environment's usage is charged to: its owner label,
// else its creator.
func Owner(labels, annotations map[string]string) string {
	if o := labels[LabelOwner]; o != "" {
		return o
	}
	return annotations[staxv1.AnnotationCreatedBy]
}
