package server

import (
	"path"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/microstax/stax/pkg/compliance"
)

// complianceRecorder counts organizations' requests into the etcd the
// server stores in, beside its resources (under <prefix>/compliancecounters),
// with the storage's own TLS files. The returned func closes the client.
func (o *Options) complianceRecorder(etcdServers []string) (*compliance.Recorder, func(), error) {
	storage := o.Recommended.Etcd.StorageConfig
	cfg := clientv3.Config{Endpoints: etcdServers, DialTimeout: 10 * time.Second}
	if t := storage.Transport; t.CertFile != "" || t.KeyFile != "" || t.TrustedCAFile != "" {
		tlsConfig, err := (&transport.TLSInfo{CertFile: t.CertFile, KeyFile: t.KeyFile, TrustedCAFile: t.TrustedCAFile}).ClientConfig()
		if err != nil {
			return nil, nil, err
		}
		cfg.TLS = tlsConfig
	}
	client, err := clientv3.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	store := compliance.NewEtcdStore(client, path.Join(storage.Prefix, "compliancecounters"))
	return compliance.NewRecorder(store, o.Clock), func() { _ = client.Close() }, nil
}
