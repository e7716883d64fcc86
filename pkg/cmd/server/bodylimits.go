package server

import (
	"fmt"

	"github.com/spf13/pflag"
)

// DefaultMaxYAMLExpandedBytes is the generic server's request body limit
// (3 MiB): through aliases, a YAML body may expand to no more than could
// have been sent without them.
const DefaultMaxYAMLExpandedBytes = 3 << 20

func (o *Options) addBodyLimitFlags(fs *pflag.FlagSet) {
	fs.Int64Var(&o.MaxYAMLExpandedBytes, "max-yaml-expanded-bytes", o.MaxYAMLExpandedBytes, "Largest size a YAML "+
		"request body may reach with its aliases written out; larger ones are refused with 413 before they are decoded.")
}

func (o *Options) validateBodyLimits() []string {
	if o.MaxYAMLExpandedBytes <= 0 {
		return []string{fmt.Sprintf("--max-yaml-expanded-bytes must be more than 0, not %d", o.MaxYAMLExpandedBytes)}
	}
	return nil
}
