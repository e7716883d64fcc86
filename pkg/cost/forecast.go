package cost

import (
	"fmt"
	"math"
	"time"
)

// Running is something that runs now at a constant hourly cost until it
// stops by itself (an idle timeout or a time-to-live ends it), or for good.
type Running struct {
	HourlyCost float64
	// Until is when it stops by itself; zero: it runs on.
	Until time.Time
}

// RunRate is the cost of what runs now over [from, to): each at its hourly
// cost until it stops by itself. It assumes nobody starts or stops
// anything and nobody uses what an idle timeout would stop.
func RunRate(running []Running, from, to time.Time) float64 {
	total := 0.0
	for _, r := range running {
		end := to
		if !r.Until.IsZero() {
			end = earlier(end, r.Until)
		}
		if end.After(from) {
			total += r.HourlyCost * end.Sub(from).Hours()
		}
	}
	return total
}

// IntervalZ is the normal quantile of the forecasts' two-sided 90%
// prediction interval: 5% of outcomes are expected below it, 5% above.
const IntervalZ = 1.6449

// Holt is Holt's linear trend method fitted to a daily series (the additive
// trend, no-season exponential smoothing, ETS(A,A,N)):
//
//	level_t = α·y_t + (1−α)·(level_{t−1} + trend_{t−1})
//	trend_t = β·(level_t − level_{t−1}) + (1−β)·trend_{t−1}
//	ŷ_{t+h} = level_t + h·trend_t
//
// α and β are chosen on a grid to minimise the one-step-ahead squared
// error; σ is the standard deviation of those errors. The h-step forecast
// variance is σ²·(1 + Σ_{j=1}^{h−1} α²(1+jβ)²), the ETS(A,A,N) formula.
type Holt struct {
	Alpha, Beta  float64
	Level, Trend float64
	Sigma        float64
}

// MinHistory is the fewest days FitHolt works from.
const MinHistory = 4

// FitHolt fits the model to y, oldest first.
func FitHolt(y []float64) (Holt, error) {
	if len(y) < MinHistory {
		return Holt{}, fmt.Errorf("a forecast needs at least %d days of history, there are %d", MinHistory, len(y))
	}
	best, bestSSE := Holt{}, math.Inf(1)
	for a := 0.05; a < 1; a += 0.05 {
		for b := 0.05; b < 1; b += 0.05 {
			h, sse := smooth(y, a, b)
			if sse < bestSSE {
				best, bestSSE = h, sse
			}
		}
	}
	// The first step is fitted exactly by the initial trend: not an error.
	best.Sigma = math.Sqrt(bestSSE / float64(len(y)-2))
	return best, nil
}

// smooth runs the recursions from level y0 and trend y1−y0.
func smooth(y []float64, alpha, beta float64) (Holt, float64) {
	level, trend := y[0], y[1]-y[0]
	sse := 0.0
	for t := 1; t < len(y); t++ {
		e := y[t] - (level + trend)
		if t > 1 {
			sse += e * e
		}
		prev := level
		level = alpha*y[t] + (1-alpha)*(level+trend)
		trend = beta*(level-prev) + (1-beta)*trend
	}
	return Holt{Alpha: alpha, Beta: beta, Level: level, Trend: trend}, sse
}

// Forecast is the expected value h ≥ 1 days after the last day fitted and
// its prediction interval; a cost is never below zero.
func (m Holt) Forecast(h int) (mean, low, high float64) {
	mean = m.Level + float64(h)*m.Trend
	v := 1.0
	for j := 1; j < h; j++ {
		c := m.Alpha * (1 + float64(j)*m.Beta)
		v += c * c
	}
	half := IntervalZ * m.Sigma * math.Sqrt(v)
	return math.Max(mean, 0), math.Max(mean-half, 0), math.Max(mean+half, 0)
}

// Sum forecasts the total of the next days days (a fraction counts its
// share of the last day). The interval adds the days' bounds, as if their
// errors moved together: wider than an exact one, never narrower.
func (m Holt) Sum(days float64) (mean, low, high float64) {
	for h := 1; float64(h-1) < days; h++ {
		share := math.Min(1, days-float64(h-1))
		f, l, u := m.Forecast(h)
		mean, low, high = mean+share*f, low+share*l, high+share*u
	}
	return mean, low, high
}

// BackTest is how well the model forecast days it was not shown.
type BackTest struct {
	// Days held out at the end of the history.
	Days int
	// MeanAbsoluteError of the daily forecasts.
	MeanAbsoluteError float64
	// MeanAbsolutePercentageError over the held-out days that cost
	// anything, in percent; 0 when none did.
	MeanAbsolutePercentageError float64
	// Coverage is the share of held-out days inside the interval.
	Coverage float64
}

// BackTestHolt fits y without its last holdout days and compares the
// forecasts of those days with what they were.
func BackTestHolt(y []float64, holdout int) (BackTest, error) {
	if holdout < 1 || len(y)-holdout < MinHistory {
		return BackTest{}, fmt.Errorf("a back-test of %d days needs at least %d days of history, there are %d", holdout, holdout+MinHistory, len(y))
	}
	m, err := FitHolt(y[:len(y)-holdout])
	if err != nil {
		return BackTest{}, err
	}
	bt := BackTest{Days: holdout}
	pctDays, inside := 0, 0
	for h := 1; h <= holdout; h++ {
		actual := y[len(y)-holdout+h-1]
		f, lo, hi := m.Forecast(h)
		bt.MeanAbsoluteError += math.Abs(actual - f)
		if actual != 0 {
			bt.MeanAbsolutePercentageError += 100 * math.Abs(actual-f) / math.Abs(actual)
			pctDays++
		}
		if actual >= lo && actual <= hi {
			inside++
		}
	}
	bt.MeanAbsoluteError /= float64(holdout)
	if pctDays > 0 {
		bt.MeanAbsolutePercentageError /= float64(pctDays)
	}
	bt.Coverage = float64(inside) / float64(holdout)
	return bt, nil
}

// DailyCosts is the cost of each UTC day from from's day up to the day
// before to's (whole days only: today is not over), oldest first.
func DailyCosts(items []Item, from, to time.Time, p Prices) []float64 {
	start, end := Midnight(from), Midnight(to)
	if !end.After(start) {
		return nil
	}
	pts := Series(items, start, end, 24*time.Hour, p)
	out := make([]float64, len(pts))
	for i, pt := range pts {
		out[i] = pt.Cost
	}
	return out
}
