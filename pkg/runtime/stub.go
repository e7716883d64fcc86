package runtime

import (
	"context"
	"errors"
	"time"
)

// StubService says a service runs stax-stub serving a Stub of the plan's
// organization instead of a command or an image of its own. The runtime
// supplies the binary or image, the flags and the credential.
type StubService struct {
	// Name of the Stub.
	Name string
}

// StubCredential is what stax-stub reads a Stub with: the API's address as
// seen from where the runtime runs the process, and a token of the
// organization that may read its Stubs and nothing else.
type StubCredential struct {
	// Server is the API's URL; CAData the certificates that verify it,
	// for TLSServerName when that is set.
	Server        string
	CAData        []byte
	TLSServerName string
	Token         string
	// IssuedAt and ExpiresAt bound the token's lifetime.
	IssuedAt, ExpiresAt time.Time
}

// StubAccess mints stub credentials. Runtimes ask at every start of a
// stub process (local) or apply (kubernetes), so a token is short-lived.
type StubAccess interface {
	StubCredential(ctx context.Context, org string) (StubCredential, error)
}

// ErrNoStubAccess is why a stub service cannot run on a runtime given no
// StubAccess.
var ErrNoStubAccess = errors.New("this runtime was given no access to the API for stax-stub: stub services cannot run")

// StubArgs are stax-stub's flags for a stub service, the same on every
// runtime: the Stub, read through the API with the kubeconfig at path.
// listen is empty where stax-stub takes its address from the environment
// contract (the local runtime's changing ports).
func StubArgs(org string, s *StubService, kubeconfig, listen string) []string {
	args := []string{"--stub", org + "/" + s.Name, "--kubeconfig", kubeconfig}
	if listen != "" {
		args = append(args, "--listen", listen)
	}
	return args
}
