package runtime

import (
	"context"
	"errors"
)

// DiffCredential is what a mirroring front (stax-shadow) writes its diff
// results with: the API's address as seen from where it runs, and a token
// of the organization that may write environmentdiffs and read
// environments, nothing else (auth.DiffWriterClaim). It has the shape of
// a stub's credential.
type DiffCredential = StubCredential

// DiffAccess mints diff writers' credentials. The kubernetes runtime asks
// at every Apply of an overlay with a shadow, so a token is short-lived;
// the local runtime needs none (its fronts run in the server's process).
type DiffAccess interface {
	DiffWriterCredential(ctx context.Context, org string) (DiffCredential, error)
}

// ErrNoDiffAccess is why a runtime given no DiffAccess cannot place the
// fronts of an overlay's shadow.
var ErrNoDiffAccess = errors.New("this runtime was given no access to the API for stax-shadow: shadow traffic cannot be mirrored")
