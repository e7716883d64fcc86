package cost

import (
	"math"
	"time"
)

// Rate is what something holds while it runs: replicas and the CPU cores
// and GiB of memory they request, in total.
type Rate struct {
	Replicas  float64
	CPUCores  float64
	MemoryGiB float64
}

// Add returns r + o.
func (r Rate) Add(o Rate) Rate {
	return Rate{r.Replicas + o.Replicas, r.CPUCores + o.CPUCores, r.MemoryGiB + o.MemoryGiB}
}

// For is the usage of holding r for hours.
func (r Rate) For(hours float64) Usage {
	return Usage{CPUCoreHours: r.CPUCores * hours, MemoryGiBHours: r.MemoryGiB * hours, ReplicaHours: r.Replicas * hours}
}

// Usage is resources held over time.
type Usage struct {
	CPUCoreHours   float64
	MemoryGiBHours float64
	ReplicaHours   float64
}

// Add returns u + o.
func (u Usage) Add(o Usage) Usage {
	return Usage{u.CPUCoreHours + o.CPUCoreHours, u.MemoryGiBHours + o.MemoryGiBHours, u.ReplicaHours + o.ReplicaHours}
}

// Scale returns u × f.
func (u Usage) Scale(f float64) Usage {
	return Usage{u.CPUCoreHours * f, u.MemoryGiBHours * f, u.ReplicaHours * f}
}

// Segment is one service holding a constant Rate from Start to End.
type Segment struct {
	Service    string
	Start, End time.Time
	Rate       Rate
}

// Within is the usage of s inside [from, to): stopped time and time
// outside the window hold nothing.
func (s Segment) Within(from, to time.Time) Usage {
	start, end := later(s.Start, from), earlier(s.End, to)
	if !end.After(start) {
		return Usage{}
	}
	return s.Rate.For(end.Sub(start).Hours())
}

// Usage is the whole usage of s.
func (s Segment) Usage() Usage { return s.Within(s.Start, s.End) }

// Day is one service's usage on one UTC day: what segments become once
// folded.
type Day struct {
	Service string
	// Date is the day's midnight, UTC.
	Date  time.Time
	Usage Usage
}

// Segment spreads the day's usage evenly over its 24 hours: the one
// assumption made of folded history, which knows the day but not the hour.
func (d Day) Segment() Segment {
	return Segment{Service: d.Service, Start: d.Date, End: d.Date.Add(24 * time.Hour), Rate: Rate{
		Replicas: d.Usage.ReplicaHours / 24, CPUCores: d.Usage.CPUCoreHours / 24, MemoryGiB: d.Usage.MemoryGiBHours / 24,
	}}
}

// Midnight is the start of t's UTC day.
func Midnight(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Fold adds the segments into days, one Day per service and UTC day, to
// the days already folded (which it may extend); the result is sorted by
// date, then service. A segment across midnight is split at it.
func Fold(days []Day, segs ...Segment) []Day {
	type key struct {
		service string
		date    int64
	}
	sum := map[key]Usage{}
	var order []key
	add := func(k key, u Usage) {
		if _, ok := sum[k]; !ok {
			order = append(order, k)
		}
		sum[k] = sum[k].Add(u)
	}
	for _, d := range days {
		add(key{d.Service, d.Date.Unix()}, d.Usage)
	}
	for _, s := range segs {
		for day := Midnight(s.Start); day.Before(s.End); day = day.Add(24 * time.Hour) {
			if later(s.Start, day).Before(earlier(s.End, day.Add(24*time.Hour))) {
				add(key{s.Service, day.Unix()}, s.Within(day, day.Add(24*time.Hour)))
			}
		}
	}
	out := make([]Day, 0, len(order))
	for _, k := range order {
		out = append(out, Day{Service: k.service, Date: time.Unix(k.date, 0).UTC(), Usage: sum[k]})
	}
	sortDays(out)
	return out
}

func sortDays(days []Day) {
	// Insertion sort: folded lists are short and nearly sorted.
	for i := 1; i < len(days); i++ {
		for j := i; j > 0 && dayLess(days[j], days[j-1]); j-- {
			days[j], days[j-1] = days[j-1], days[j]
		}
	}
}

func dayLess(a, b Day) bool {
	if !a.Date.Equal(b.Date) {
		return a.Date.Before(b.Date)
	}
	return a.Service < b.Service
}

// Round is f to places decimals, for answers that are read by people.
func Round(f float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(f*p) / p
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
