// Package diffflag is the one statement of the diff engine's options
// (diff.Options) as command-line flags: the kubernetes runtime writes
// them into stax-shadow's arguments (Args) and stax-shadow reads them
// back (Register), so the two cannot drift apart.
package diffflag

import (
	"flag"
	"strconv"
	"strings"

	"github.com/microstax/stax/pkg/diff"
)

// The flags' names.
const (
	IgnorePath    = "ignore-path"
	IgnoreHeader  = "ignore-header"
	Relative      = "relative"
	MinRawRate    = "min-raw-rate"
	MinRaw        = "min-raw"
	MinExcessRate = "min-excess-rate"
)

// Register adds the flags to fs, read into o. The ignore flags repeat,
// one path or header each (a path may hold a comma: body["a,b"]).
func Register(fs *flag.FlagSet, o *diff.Options) {
	fs.Var((*list)(&o.IgnorePaths), IgnorePath, "a JSON path never compared, with its subtree (body.meta.requestId, body.items[*].ts); repeat for more")
	fs.Var((*list)(&o.IgnoreHeaders), IgnoreHeader, "a header name never compared; repeat for more")
	fs.Float64Var(&o.Relative, Relative, 0, "a Difference's raw rate is at least this many times its noise rate (0: the engine's default)")
	fs.Float64Var(&o.MinRawRate, MinRawRate, 0, "a Difference's raw rate is at least this fraction of the endpoint's requests (0: the engine's default)")
	fs.Int64Var(&o.MinRaw, MinRaw, 0, "a Difference is seen on at least this many requests (0: the engine's default)")
	fs.Float64Var(&o.MinExcessRate, MinExcessRate, 0, "above zero, in place of --"+MinRawRate+": the raw rate exceeds the noise rate by at least this fraction")
}

// Args are the flags that give o's ignore rules and thresholds to a
// process that Registered them; defaults (zero fields) are left out.
// Floats are written exactly (the shortest form that parses back to the
// same value).
func Args(o diff.Options) []string {
	var args []string
	for _, p := range o.IgnorePaths {
		args = append(args, "--"+IgnorePath, p)
	}
	for _, h := range o.IgnoreHeaders {
		args = append(args, "--"+IgnoreHeader, h)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{Relative, o.Relative}, {MinRawRate, o.MinRawRate}, {MinExcessRate, o.MinExcessRate}} {
		if f.v != 0 {
			args = append(args, "--"+f.name, strconv.FormatFloat(f.v, 'g', -1, 64))
		}
	}
	if o.MinRaw != 0 {
		args = append(args, "--"+MinRaw, strconv.FormatInt(o.MinRaw, 10))
	}
	return args
}

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }
