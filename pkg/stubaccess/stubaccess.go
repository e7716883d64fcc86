// Package stubaccess mints the credentials runtimes hand stax-stub
// (runtime.StubAccess) and stax-shadow (runtime.DiffAccess, diffwriter.go)
// and writes them as kubeconfigs. A stub's credential is a token of one
// organization carrying auth.StubReaderClaim, so it reads that
// organization's Stubs and nothing else (pkg/auth, orgscope.go).
package stubaccess

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/identity"
	"github.com/microstax/stax/pkg/runtime"
)

// Lifetime of a minted token unless Minter.Lifetime is shorter: the
// issuer's longest (the key overlap).
const Lifetime = time.Hour

// Subject names the holder of every stub credential of org.
func Subject(org string) string { return "system:stax:stub:" + org }

// Issuer signs tokens.
type Issuer interface {
	Issue(identity.Claims) (string, error)
}

// Endpoint is where stax-stub reaches the API from.
type Endpoint struct {
	Server        string
	CAData        []byte
	TLSServerName string
}

// Minter is a runtime.StubAccess on an issuer.
type Minter struct {
	Issuer Issuer
	// Audience the server accepts tokens for.
	Audience string
	Endpoint Endpoint
	// Lifetime of the tokens, at most (and when zero) the package's.
	Lifetime time.Duration
	// Now is the clock, time.Now when nil.
	Now func() time.Time
}

var _ runtime.StubAccess = (*Minter)(nil)

// StubCredential mints a stub reader's token of org.
func (m *Minter) StubCredential(_ context.Context, org string) (runtime.StubCredential, error) {
	return m.mint("stax-stub", Subject(org), org, auth.StubReaderClaim)
}

// mint issues a token of org for subject with the one group claim, for
// the API at m's endpoint; holder names the program in errors.
func (m *Minter) mint(holder, subject, org, claim string) (runtime.StubCredential, error) {
	if m.Endpoint.Server == "" {
		return runtime.StubCredential{}, fmt.Errorf("no API address for %s is known", holder)
	}
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	lifetime := Lifetime
	if m.Lifetime > 0 && m.Lifetime < Lifetime {
		lifetime = m.Lifetime
	}
	exp := now.Add(lifetime)
	token, err := m.Issuer.Issue(identity.Claims{
		Subject: subject, Audience: []string{m.Audience}, Org: org,
		Groups: []string{claim}, IssuedAt: now, ExpiresAt: exp,
	})
	if err != nil {
		return runtime.StubCredential{}, err
	}
	return runtime.StubCredential{Server: m.Endpoint.Server, CAData: m.Endpoint.CAData,
		TLSServerName: m.Endpoint.TLSServerName, Token: token, IssuedAt: now, ExpiresAt: exp}, nil
}

// Kubeconfig writes c as a kubeconfig for org's namespace. With tokenFile
// the token is read from that file (a mounted Secret key, which the
// kubelet refreshes) and left out of the kubeconfig; otherwise it is in it.
func Kubeconfig(c runtime.StubCredential, org, tokenFile string) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["stax"] = &clientcmdapi.Cluster{Server: c.Server, CertificateAuthorityData: c.CAData, TLSServerName: c.TLSServerName}
	user := &clientcmdapi.AuthInfo{Token: c.Token}
	if tokenFile != "" {
		user = &clientcmdapi.AuthInfo{TokenFile: tokenFile}
	}
	cfg.AuthInfos["stub"] = user
	cfg.Contexts["stax"] = &clientcmdapi.Context{Cluster: "stax", AuthInfo: "stub", Namespace: org}
	cfg.CurrentContext = "stax"
	return clientcmd.Write(*cfg)
}
