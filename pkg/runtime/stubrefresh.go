package runtime

import (
	"context"
	"time"
)

// StubCredentialRefresher is a runtime whose stub credentials outlive the
// process that reads them: the kubernetes runtime's are Secrets that a
// pod may mount and read at any time, so they are minted again before
// they expire, not only at Apply. (The local runtime writes a fresh one
// before each start of a stub process and needs none.)
type StubCredentialRefresher interface {
	// RefreshStubCredentials mints again the credentials of the plan's
	// stub services that are past half their lifetime, and says when the
	// next one is due (zero when the plan has none).
	RefreshStubCredentials(ctx context.Context, plan Plan) (next time.Time, err error)
}
