package stubaccess

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/auth"
)

func TestMinterIssuesADiffWritersToken(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	iss := &recordingIssuer{}
	m := &Minter{Issuer: iss, Audience: "stax.microstax.ai", Now: func() time.Time { return now },
		Endpoint: Endpoint{Server: "https://stax.example:6443"}}
	cred, err := m.DiffWriterCredential(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	c := iss.claims[0]
	if c.Org != "acme" || c.Subject != "system:stax:shadow:acme" || !slices.Equal(c.Groups, []string{auth.DiffWriterClaim}) ||
		!slices.Equal(c.Audience, []string{"stax.microstax.ai"}) || !c.ExpiresAt.Equal(now.Add(Lifetime)) {
		t.Errorf("claims %+v", c)
	}
	if cred.Token != "signed-acme" || cred.Server != "https://stax.example:6443" {
		t.Errorf("credential %+v", cred)
	}
	if _, err := (&Minter{Issuer: iss}).DiffWriterCredential(context.Background(), "acme"); err == nil {
		t.Error("a credential without an API address was minted")
	}
}
