package stubaccess

import (
	"context"
	"slices"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/identity"
)

type recordingIssuer struct{ claims []identity.Claims }

func (r *recordingIssuer) Issue(c identity.Claims) (string, error) {
	r.claims = append(r.claims, c)
	return "signed-" + c.Org, nil
}

func TestMinterIssuesAStubReadersToken(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	iss := &recordingIssuer{}
	m := &Minter{Issuer: iss, Audience: "stax.microstax.ai", Now: func() time.Time { return now },
		Endpoint: Endpoint{Server: "https://127.0.0.1:6443", CAData: []byte("ca"), TLSServerName: "loopback"}}
	cred, err := m.StubCredential(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	c := iss.claims[0]
	if c.Org != "acme" || c.Subject != "system:stax:stub:acme" || !slices.Equal(c.Groups, []string{auth.StubReaderClaim}) ||
		!slices.Equal(c.Audience, []string{"stax.microstax.ai"}) || !c.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("claims %+v", c)
	}
	if cred.Token != "signed-acme" || cred.Server != "https://127.0.0.1:6443" || !cred.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("credential %+v", cred)
	}

	embedded, err := Kubeconfig(cred, "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(embedded)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BearerToken != "signed-acme" || cfg.Host != "https://127.0.0.1:6443" || cfg.ServerName != "loopback" || string(cfg.CAData) != "ca" {
		t.Errorf("kubeconfig with the token: %+v", cfg)
	}
	fromFile, err := Kubeconfig(cred, "acme", "/etc/stax-stub/token")
	if err != nil {
		t.Fatal(err)
	}
	if kc, err := clientcmd.Load(fromFile); err != nil || kc.AuthInfos["stub"].Token != "" || kc.AuthInfos["stub"].TokenFile != "/etc/stax-stub/token" {
		t.Errorf("kubeconfig with a token file: %v %+v", err, kc)
	}

	if _, err := (&Minter{Issuer: iss}).StubCredential(context.Background(), "acme"); err == nil {
		t.Error("a credential without an API address was minted")
	}
}

// Minter.Lifetime shortens a token's life, never beyond Lifetime.
func TestMinterLifetime(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct{ set, want time.Duration }{
		{0, Lifetime}, {20 * time.Second, 20 * time.Second}, {2 * time.Hour, Lifetime},
	} {
		m := &Minter{Issuer: &recordingIssuer{}, Lifetime: tc.set, Now: func() time.Time { return now }, Endpoint: Endpoint{Server: "https://x"}}
		cred, err := m.StubCredential(context.Background(), "acme")
		if err != nil || !cred.IssuedAt.Equal(now) || !cred.ExpiresAt.Equal(now.Add(tc.want)) {
			t.Errorf("Lifetime %v: %v, issued %v, expires %v, want %v later", tc.set, err, cred.IssuedAt, cred.ExpiresAt, tc.want)
		}
	}
}
