package stubaccess

import (
	"context"

	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/runtime"
)

var _ runtime.DiffAccess = (*Minter)(nil)

// DiffWriterSubject names the holder of every diff writer's credential
// of org that a runtime mints.
func DiffWriterSubject(org string) string { return "system:stax:shadow:" + org }

// DiffWriterCredential mints a diff writer's token of org
// (auth.DiffWriterClaim): it writes the organization's diff results and
// reads its environments, nothing else.
func (m *Minter) DiffWriterCredential(_ context.Context, org string) (runtime.DiffCredential, error) {
	return m.mint("stax-shadow", DiffWriterSubject(org), org, auth.DiffWriterClaim)
}
