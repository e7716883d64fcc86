package cost

import (
	"math"
	"math/rand"
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// Two replicas of half a core and 512 MiB each: one core, one GiB.
var oneCoreOneGiB = Rate{Replicas: 2, CPUCores: 1, MemoryGiB: 1}

func TestCostOfSegments(t *testing.T) {
	fee := DefaultPrices
	fee.ReplicaHour = 0.01
	for _, c := range []struct {
		name     string
		seg      Segment
		from, to time.Time
		prices   Prices
		want     Usage
		wantCost float64
	}{
		{"three hours at the defaults", Segment{Start: at("2026-11-02T10:00:00Z"), End: at("2026-11-02T13:00:00Z"), Rate: oneCoreOneGiB},
			at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"), DefaultPrices,
			Usage{CPUCoreHours: 3, MemoryGiBHours: 3, ReplicaHours: 6}, 3*0.031611 + 3*0.004237},
		{"a platform fee per replica-hour", Segment{Start: at("2026-11-02T10:00:00Z"), End: at("2026-11-02T13:00:00Z"), Rate: oneCoreOneGiB},
			at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"), fee,
			Usage{CPUCoreHours: 3, MemoryGiBHours: 3, ReplicaHours: 6}, 0.094833 + 0.012711 + 0.06},
		{"clipped to the window", Segment{Start: at("2026-11-02T10:00:00Z"), End: at("2026-11-02T13:00:00Z"), Rate: oneCoreOneGiB},
			at("2026-11-02T11:00:00Z"), at("2026-11-02T12:30:00Z"), DefaultPrices,
			Usage{CPUCoreHours: 1.5, MemoryGiBHours: 1.5, ReplicaHours: 3}, 1.5 * (0.031611 + 0.004237)},
		{"outside the window", Segment{Start: at("2026-11-02T10:00:00Z"), End: at("2026-11-02T13:00:00Z"), Rate: oneCoreOneGiB},
			at("2026-11-02T13:00:00Z"), at("2026-11-03T00:00:00Z"), DefaultPrices, Usage{}, 0},
		{"one second of 4 cores and 8 GiB", Segment{Start: at("2026-11-02T10:00:00Z"), End: at("2026-11-02T10:00:01Z"), Rate: Rate{1, 4, 8}},
			at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"), DefaultPrices,
			Usage{CPUCoreHours: 4.0 / 3600, MemoryGiBHours: 8.0 / 3600, ReplicaHours: 1.0 / 3600}, (4*0.031611 + 8*0.004237) / 3600},
	} {
		u := c.seg.Within(c.from, c.to)
		if !near(u.CPUCoreHours, c.want.CPUCoreHours) || !near(u.MemoryGiBHours, c.want.MemoryGiBHours) || !near(u.ReplicaHours, c.want.ReplicaHours) {
			t.Errorf("%s: usage %+v, want %+v", c.name, u, c.want)
		}
		if got := c.prices.Cost(u); !near(got, c.wantCost) {
			t.Errorf("%s: cost %.9f, want %.9f", c.name, got, c.wantCost)
		}
	}
}

func TestFoldSplitsAtMidnight(t *testing.T) {
	days := Fold(nil,
		Segment{Service: "api", Start: at("2026-11-01T22:00:00Z"), End: at("2026-11-02T02:00:00Z"), Rate: oneCoreOneGiB},
		Segment{Service: "db", Start: at("2026-11-02T06:00:00Z"), End: at("2026-11-02T06:30:00Z"), Rate: Rate{1, 2, 4}},
	)
	// Folding more into the folded days adds to them.
	days = Fold(days, Segment{Service: "api", Start: at("2026-11-02T10:00:00Z"), End: at("2026-11-02T11:00:00Z"), Rate: oneCoreOneGiB})
	want := []Day{
		{"api", at("2026-11-01T00:00:00Z"), Usage{2, 2, 4}},
		{"api", at("2026-11-02T00:00:00Z"), Usage{3, 3, 6}},
		{"db", at("2026-11-02T00:00:00Z"), Usage{1, 2, 0.5}},
	}
	if len(days) != len(want) {
		t.Fatalf("folded into %+v", days)
	}
	for i := range want {
		if days[i].Service != want[i].Service || !days[i].Date.Equal(want[i].Date) || days[i].Usage != want[i].Usage {
			t.Errorf("day %d: %+v, want %+v", i, days[i], want[i])
		}
	}
	// A folded day spread over its hours gives its usage back.
	if u := days[1].Segment().Usage(); !near(u.CPUCoreHours, 3) || !near(u.ReplicaHours, 6) {
		t.Errorf("day as a segment: %+v", u)
	}
	// Half of the day holds half of it.
	if u := days[1].Segment().Within(at("2026-11-02T00:00:00Z"), at("2026-11-02T12:00:00Z")); !near(u.CPUCoreHours, 1.5) {
		t.Errorf("half a folded day: %+v", u)
	}
}

func items() []Item {
	return []Item{
		{Environment: "web", Owner: "ada", Labels: map[string]string{"team": "core"}, Segments: []Segment{
			{Service: "api", Start: at("2026-11-02T10:00:00Z"), End: at("2026-11-02T12:00:00Z"), Rate: Rate{1, 1, 0}},
			{Service: "db", Start: at("2026-11-02T10:00:00Z"), End: at("2026-11-02T12:00:00Z"), Rate: Rate{1, 0, 2}},
		}},
		{Environment: "batch", Owner: "bob", Labels: map[string]string{"team": "data"}, Segments: []Segment{
			{Service: "api", Start: at("2026-11-02T11:00:00Z"), End: at("2026-11-02T15:00:00Z"), Rate: Rate{2, 2, 0}},
		}},
		{Environment: "scratch", Owner: "ada", Segments: []Segment{
			{Service: "api", Start: at("2026-11-02T09:00:00Z"), End: at("2026-11-02T10:00:00Z"), Rate: Rate{1, 1, 0}},
		}},
	}
}

func TestAggregate(t *testing.T) {
	p := Prices{CPUHour: 1, GiBHour: 0.5, ReplicaHour: 0.25, Currency: "EUR"}
	from, to := at("2026-11-02T00:00:00Z"), at("2026-11-03T00:00:00Z")
	// web: api 2 core-h + 2 replica-h = 2.5; db 4 GiB-h + 2 replica-h = 2.5.
	// batch: 8 core-h + 8 replica-h = 10. scratch: 1 core-h + 1 replica-h = 1.25.
	for _, c := range []struct {
		by   string
		want map[string]float64
	}{
		{"environment", map[string]float64{"batch": 10, "web": 5, "scratch": 1.25}},
		{"service", map[string]float64{"batch/api": 10, "web/api": 2.5, "web/db": 2.5, "scratch/api": 1.25}},
		{"creator", map[string]float64{"bob": 10, "ada": 6.25}},
		{"label:team", map[string]float64{"data": 10, "core": 5, "": 1.25}},
	} {
		g, err := GroupBy(c.by)
		if err != nil {
			t.Fatal(err)
		}
		groups := Aggregate(items(), from, to, g, p)
		if len(groups) != len(c.want) {
			t.Errorf("%s: %+v", c.by, groups)
		}
		for i, gr := range groups {
			if !near(gr.Cost, c.want[gr.Key]) {
				t.Errorf("%s: %q costs %v, want %v", c.by, gr.Key, gr.Cost, c.want[gr.Key])
			}
			if i > 0 && groups[i-1].Cost < gr.Cost {
				t.Errorf("%s: not most costly first: %+v", c.by, groups)
			}
		}
	}
	// A window that cuts: 11:00-12:00 holds web 1.25+1.25, batch 2.5.
	g, _ := GroupBy(ByEnvironment)
	got := Aggregate(items(), at("2026-11-02T11:00:00Z"), at("2026-11-02T12:00:00Z"), g, p)
	if len(got) != 2 || got[0].Key != "batch" || !near(got[0].Cost, 2.5) || got[1].Key != "web" || !near(got[1].Cost, 2.5) {
		t.Errorf("cut window: %+v", got)
	}
	if u := Total(items(), from, to); !near(u.CPUCoreHours, 11) || !near(u.MemoryGiBHours, 4) || !near(u.ReplicaHours, 13) {
		t.Errorf("total %+v", u)
	}
	for _, bad := range []string{"", "team", "label:", "Environment"} {
		if _, err := GroupBy(bad); err == nil {
			t.Errorf("grouping %q accepted", bad)
		}
	}
}

func TestSeries(t *testing.T) {
	p := Prices{CPUHour: 1}
	// Hourly from 09:00 to 15:30: the last step is half an hour.
	pts := Series(items(), at("2026-11-02T09:00:00Z"), at("2026-11-02T15:30:00Z"), time.Hour, p)
	want := []float64{1, 1, 1 + 2, 2, 2, 2, 0} // scratch; web; web+batch; batch...
	if len(pts) != len(want) {
		t.Fatalf("%d points, want %d", len(pts), len(want))
	}
	for i, w := range want {
		if !near(pts[i].Cost, w) || !pts[i].Start.Equal(at("2026-11-02T09:00:00Z").Add(time.Duration(i)*time.Hour)) {
			t.Errorf("step %d: %+v, want cost %v", i, pts[i], w)
		}
	}
	if Series(items(), at("2026-11-02T09:00:00Z"), at("2026-11-02T09:00:00Z"), time.Hour, p) != nil {
		t.Errorf("an empty window has steps")
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "36h": 36 * time.Hour, "90m": 90 * time.Minute, "1d": 24 * time.Hour} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "7", "d", "-1d", "0d", "1.5d", "07d", "-3h", "week"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRunRate(t *testing.T) {
	now := at("2026-11-20T12:00:00Z")
	running := []Running{
		{HourlyCost: 2}, // runs on
		{HourlyCost: 1, Until: at("2026-11-20T15:00:00Z")}, // an idle timeout in 3 hours
		{HourlyCost: 5, Until: at("2026-11-20T11:00:00Z")}, // past its time-to-live
	}
	if got := RunRate(running, now, now.Add(24*time.Hour)); !near(got, 2*24+3) {
		t.Errorf("run rate %v, want 51", got)
	}
}

func TestHoltOnALine(t *testing.T) {
	y := make([]float64, 20)
	for i := range y {
		y[i] = 2 + 3*float64(i)
	}
	m, err := FitHolt(y)
	if err != nil {
		t.Fatal(err)
	}
	if mean, lo, hi := m.Forecast(5); !near(mean, 2+3*24) || !near(lo, mean) || !near(hi, mean) {
		t.Errorf("a straight line forecasts %v [%v, %v], want 74 exactly", mean, lo, hi)
	}
	// 1.5 days: day 20 (62) and half of day 21 (65).
	if sum, _, _ := m.Sum(1.5); !near(sum, 62+32.5) {
		t.Errorf("sum of 1.5 days %v", sum)
	}
	if _, err := FitHolt(y[:3]); err == nil {
		t.Errorf("three days fitted")
	}
	if _, err := BackTestHolt(y[:6], 3); err == nil {
		t.Errorf("a back-test with three days left fitted")
	}
	// A line falling to zero does not forecast negative costs.
	down := []float64{10, 8, 6, 4, 2}
	m, _ = FitHolt(down)
	if mean, lo, _ := m.Forecast(10); mean != 0 || lo != 0 {
		t.Errorf("falling line forecasts %v (low %v)", mean, lo)
	}
}

// TestHoltCoversHeldOutDays: a noisy daily cost that grows slowly, then
// faster from day 60; fitted on 90 days, the interval must hold at least
// 80% of the next 14.
func TestHoltCoversHeldOutDays(t *testing.T) {
	rng := rand.New(rand.NewSource(19))
	y := make([]float64, 104)
	for i := range y {
		trend := 40 + 0.2*float64(i)
		if i >= 60 {
			trend = 40 + 0.2*60 + 1.1*float64(i-60)
		}
		y[i] = trend + rng.NormFloat64()*3
	}
	bt, err := BackTestHolt(y, 14)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("back-test: %+v", bt)
	if bt.Coverage < 0.8 {
		t.Errorf("interval covers %.0f%% of held-out days, want at least 80%%", 100*bt.Coverage)
	}
	if bt.MeanAbsolutePercentageError > 10 {
		t.Errorf("forecast error %.1f%%", bt.MeanAbsolutePercentageError)
	}
}

func TestDailyCosts(t *testing.T) {
	p := Prices{CPUHour: 1}
	// Today (the 3rd) is not over: only the 1st and the 2nd.
	got := DailyCosts(items(), at("2026-11-01T05:00:00Z"), at("2026-11-03T08:00:00Z"), p)
	if len(got) != 2 || got[0] != 0 || !near(got[1], 11) {
		t.Errorf("daily costs %v", got)
	}
}
