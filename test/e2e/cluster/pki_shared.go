package cluster

// CA is a certificate authority on disk, for harnesses outside this
// package (test/e2e/hacluster) that issue their own certificates.
type CA struct{ a *authority }

// NewCA creates a self-signed CA named cn at dir/<name>.crt and .key.
func NewCA(dir, name, cn string) (*CA, error) {
	a, err := newAuthority(dir, name, cn)
	if err != nil {
		return nil, err
	}
	return &CA{a: a}, nil
}

// CertFile is the CA's certificate.
func (ca *CA) CertFile() string { return ca.a.CertFile }

// IssueServing writes a serving certificate for hosts (DNS names or IPs)
// to dir/<name>.crt and .key.
func (ca *CA) IssueServing(dir, name string, hosts ...string) (certFile, keyFile string, err error) {
	return ca.a.issue(dir, name, leaf{CommonName: name, Hosts: hosts, Server: true})
}

// IssueClient writes a client certificate of user cn in groups.
func (ca *CA) IssueClient(dir, name, cn string, groups ...string) (certFile, keyFile string, err error) {
	return ca.a.issue(dir, name, leaf{CommonName: cn, Organizations: groups, Client: true})
}
