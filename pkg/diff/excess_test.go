package diff

import "testing"

// MinExcessRate is the absolute threshold on raw rate minus noise rate:
// it replaces the floor on the raw rate alone.
func TestVerdictExcessOverNoise(t *testing.T) {
	o := Options{Relative: 1, MinExcessRate: 0.05}.withDefaults()
	for _, tc := range []struct {
		name                 string
		raw, noise, requests int64
		want                 Verdict
	}{
		{"an excess at the threshold", 30, 20, 200, VerdictDifference},
		{"an excess under it", 29, 20, 200, VerdictNoise},
		{"a raw rate over 3% whose excess is under it", 9, 0, 200, VerdictEqual},
		{"the count floor still holds", 4, 0, 10, VerdictEqual},
	} {
		if got := o.verdict(tc.raw, tc.noise, tc.requests); got != tc.want {
			t.Errorf("%s: verdict(%d, %d, %d) = %s, want %s", tc.name, tc.raw, tc.noise, tc.requests, got, tc.want)
		}
	}
	// Below the default 3% raw rate, once the excess threshold is lower.
	if got := (Options{MinExcessRate: 0.01}.withDefaults()).verdict(5, 0, 400); got != VerdictDifference {
		t.Errorf("1%% excess: 5 of 400 is %s", got)
	}
}
