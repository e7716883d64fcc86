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
	fs.Int64Var(&o.MaxStubDocumentBytes, "max-stub-document-bytes", o.MaxStubDocumentBytes, "Largest OpenAPI document "+
		"stubs/{name}/document takes (it is stored in chunks of under 1 MiB); larger ones are refused with 413.")
}

func (o *Options) validateBodyLimits() []string {
	var errs []string
	if o.MaxYAMLExpandedBytes <= 0 {
		errs = append(errs, fmt.Sprintf("--max-yaml-expanded-bytes must be more than 0, not %d", o.MaxYAMLExpandedBytes))
	}
	if o.MaxStubDocumentBytes <= 0 {
		errs = append(errs, fmt.Sprintf("--max-stub-document-bytes must be more than 0, not %d", o.MaxStubDocumentBytes))
	}
	return errs
}
