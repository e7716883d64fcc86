package runtime

import (
	"context"
	"time"
)

// CredentialRefresher is a runtime whose credentials outlive the process
// that reads them: the kubernetes runtime's stub services' and shadow
// fronts' are Secrets that a pod may mount and read at any time, so they
// are minted again before they expire, not only at Apply. (The local
// runtime writes a stub's before each start of its process, and its
// shadow fronts run in the server's process: it needs none.)
type CredentialRefresher interface {
	// RefreshCredentials mints again the credentials the runtime wrote
	// for the plan (its stub services', its shadow's) that are past half
	// their lifetime, and says when the next one is due (zero when the
	// plan has none).
	RefreshCredentials(ctx context.Context, plan Plan) (next time.Time, err error)
}
