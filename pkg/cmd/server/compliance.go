package server

import (
	"path"

	"github.com/microstax/stax/pkg/compliance"
)

// complianceRecorder counts organizations' requests into the etcd the
// server stores in, beside its resources (under <prefix>/compliancecounters),
// with the storage's own TLS files. The returned func closes the client.
func (o *Options) complianceRecorder(etcdServers []string) (*compliance.Recorder, func(), error) {
	client, err := o.etcdClient(etcdServers)
	if err != nil {
		return nil, nil, err
	}
	store := compliance.NewEtcdStore(client, path.Join(o.Recommended.Etcd.StorageConfig.Prefix, "compliancecounters"))
	return compliance.NewRecorder(store, o.Clock), func() { _ = client.Close() }, nil
}
