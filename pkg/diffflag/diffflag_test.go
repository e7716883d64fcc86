package diffflag

import (
	"flag"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/microstax/stax/pkg/diff"
)

func parse(args []string) (diff.Options, error) {
	var o diff.Options
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	Register(fs, &o)
	return o, fs.Parse(args)
}

// What Args writes, Register reads back as it was: the overlay's settings
// reach stax-shadow unchanged, the smallest positive excess rate (an
// absolutePercent of 0) included.
func TestRoundTrip(t *testing.T) {
	for _, o := range []diff.Options{
		{},
		{IgnorePaths: []string{"body.ts", `body["a,b"]`, "body.items[*].id"}, IgnoreHeaders: []string{"Date", "X-Request-Id"},
			Relative: 1.2, MinExcessRate: 0.0003},
		{Relative: 1 + 1.0/3, MinRawRate: 0.05, MinRaw: 7, MinExcessRate: math.SmallestNonzeroFloat64},
	} {
		args := Args(o)
		got, err := parse(args)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if !reflect.DeepEqual(got, o) {
			t.Errorf("%q read back as %+v, want %+v", args, got, o)
		}
	}
	if args := Args(diff.Options{}); len(args) != 0 {
		t.Errorf("defaults written: %q", args)
	}
	want := []string{"--ignore-path", "body.ts", "--ignore-header", "Date", "--relative", "1.2", "--min-excess-rate", "0.0003"}
	if args := Args(diff.Options{IgnorePaths: []string{"body.ts"}, IgnoreHeaders: []string{"Date"}, Relative: 1.2, MinExcessRate: 0.0003}); !slices.Equal(args, want) {
		t.Errorf("args %q, want %q", args, want)
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--relative", "x"}, `invalid value "x" for flag -relative`},
		{[]string{"--min-raw", "1.5"}, `invalid value "1.5" for flag -min-raw`},
		{[]string{"--ignore-path"}, "flag needs an argument: -ignore-path"},
	} {
		if _, err := parse(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.args, err, tc.want)
		}
	}
}
