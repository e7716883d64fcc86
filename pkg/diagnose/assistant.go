package diagnose

import "context"

// Assistant explains findings in prose; the analyzers never need one.
type Assistant interface {
	Explain(ctx context.Context, environment string, findings []Finding) (string, error)
}
