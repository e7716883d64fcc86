package cluster

// EtcdTLS are the files of an etcd member that serves clients over TLS:
// a CA, the member's serving certificate for 127.0.0.1, and one client
// certificate the CA signed.
type EtcdTLS struct {
	CAFile                string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
}

// NewEtcdTLS writes a new CA and the two certificates into dir.
func NewEtcdTLS(dir string) (*EtcdTLS, error) {
	ca, err := newAuthority(dir, "etcd-ca", "microstax-e2e-etcd-ca")
	if err != nil {
		return nil, err
	}
	t := &EtcdTLS{CAFile: ca.CertFile}
	if t.ServerCert, t.ServerKey, err = ca.issue(dir, "etcd-server", leaf{CommonName: "etcd", Hosts: []string{"127.0.0.1"}, Server: true}); err != nil {
		return nil, err
	}
	if t.ClientCert, t.ClientKey, err = ca.issue(dir, "etcd-client", leaf{CommonName: "stax", Client: true}); err != nil {
		return nil, err
	}
	return t, nil
}
