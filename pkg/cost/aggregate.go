package cost

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Item is one environment's history, live or recorded: its segments (folded
// days included, as Day.Segment) and what it can be grouped by.
type Item struct {
	Environment string
	// Owner is the stax.microstax.ai/owner label, else the creator.
	Owner    string
	Labels   map[string]string
	Segments []Segment
}

// Grouping says which group a segment of an item belongs to.
type Grouping struct {
	// Name is how the grouping was asked for.
	Name string
	key  func(Item, Segment) string
}

// Groupings.
const (
	ByEnvironment = "environment"
	ByService     = "service"
	ByCreator     = "creator"
	// ByLabelPrefix, followed by a label key, groups by that label's value;
	// items without the label form the group "".
	ByLabelPrefix = "label:"
)

// GroupBy parses a grouping: environment, service, creator or label:<key>.
func GroupBy(by string) (Grouping, error) {
	switch {
	case by == ByEnvironment:
		return Grouping{by, func(it Item, _ Segment) string { return it.Environment }}, nil
	case by == ByService:
		// A service is named within its environment.
		return Grouping{by, func(it Item, s Segment) string { return it.Environment + "/" + s.Service }}, nil
	case by == ByCreator:
		return Grouping{by, func(it Item, _ Segment) string { return it.Owner }}, nil
	case strings.HasPrefix(by, ByLabelPrefix) && len(by) > len(ByLabelPrefix):
		k := by[len(ByLabelPrefix):]
		return Grouping{by, func(it Item, _ Segment) string { return it.Labels[k] }}, nil
	}
	return Grouping{}, fmt.Errorf("must be environment, service, creator or label:<key>")
}

// Group is the usage and cost of one group.
type Group struct {
	Key   string
	Usage Usage
	Cost  float64
}

// Aggregate sums the usage of items inside [from, to) by grouping, most
// costly first (then by key).
func Aggregate(items []Item, from, to time.Time, g Grouping, p Prices) []Group {
	sum := map[string]Usage{}
	for _, it := range items {
		for _, s := range it.Segments {
			if u := s.Within(from, to); u != (Usage{}) {
				k := g.key(it, s)
				sum[k] = sum[k].Add(u)
			}
		}
	}
	out := make([]Group, 0, len(sum))
	for k, u := range sum {
		out = append(out, Group{Key: k, Usage: u, Cost: p.Cost(u)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Cost != out[j].Cost {
			return out[i].Cost > out[j].Cost
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// Total is the usage of items inside [from, to).
func Total(items []Item, from, to time.Time) Usage {
	var u Usage
	for _, it := range items {
		for _, s := range it.Segments {
			u = u.Add(s.Within(from, to))
		}
	}
	return u
}

// Point is one step of a series.
type Point struct {
	Start time.Time
	Usage Usage
	Cost  float64
}

// Series cuts [from, to) into steps from from on (the last may be short)
// and gives each step's usage and cost.
func Series(items []Item, from, to time.Time, step time.Duration, p Prices) []Point {
	if step <= 0 || !to.After(from) {
		return nil
	}
	n := int((to.Sub(from) + step - 1) / step)
	out := make([]Point, n)
	for i := range out {
		out[i].Start = from.Add(time.Duration(i) * step)
	}
	for _, it := range items {
		for _, s := range it.Segments {
			start, end := later(s.Start, from), earlier(s.End, to)
			if !end.After(start) {
				continue
			}
			// Only the steps the segment touches.
			for i := int(start.Sub(from) / step); i < n && out[i].Start.Before(end); i++ {
				stepEnd := earlier(out[i].Start.Add(step), to)
				out[i].Usage = out[i].Usage.Add(s.Within(out[i].Start, stepEnd))
			}
		}
	}
	for i := range out {
		out[i].Cost = p.Cost(out[i].Usage)
	}
	return out
}

// ParseDuration reads a window or a step: Go's durations ("36h", "90m")
// and whole days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err != nil || fmt.Sprint(n) != d || n <= 0 {
			return 0, fmt.Errorf("%q is not a whole number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("must be a duration such as 7d, 36h or 90m")
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be positive")
	}
	return d, nil
}
