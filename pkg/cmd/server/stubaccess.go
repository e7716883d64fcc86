package server

import (
	"github.com/microstax/stax/pkg/apiserver"
	"github.com/microstax/stax/pkg/stubaccess"
)

// stubAccess mints the credentials of stub services with the server's own
// keys: stub readers' tokens (docs/stubs.md), for the API at the server's
// loopback address on the local runtime (its processes run on this host)
// or at --stub-api-server on the kubernetes runtime.
func (o *Options) stubAccess(config *apiserver.Config) (*stubaccess.Minter, error) {
	lb := config.GenericConfig.LoopbackClientConfig
	loopback := stubaccess.Endpoint{Server: lb.Host, CAData: lb.TLSClientConfig.CAData, TLSServerName: lb.TLSClientConfig.ServerName}
	ep, err := o.Runtime.StubEndpoint(loopback)
	if err != nil {
		return nil, err
	}
	id := config.ExtraConfig.Identity
	return &stubaccess.Minter{Issuer: id.Issuer, Audience: id.Audience, Endpoint: ep, Lifetime: o.Runtime.StubTokenLifetime}, nil
}
