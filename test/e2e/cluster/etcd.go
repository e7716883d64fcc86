package cluster

import (
	"strconv"
	"strings"
)

// EtcdMember is one member of an etcd cluster run from the real etcd
// binary (hack/build-tools.sh builds it from go.etcd.io/etcd/server/v3).
type EtcdMember struct {
	Name                 string
	DataDir              string
	ClientPort, PeerPort int
	// TLS, when set, serves clients over TLS and requires their
	// certificates (etcdtls.go).
	TLS *EtcdTLS
}

// ClientURL is where the member serves clients, on loopback.
func (m EtcdMember) ClientURL() string {
	if m.TLS != nil {
		return "https://127.0.0.1:" + strconv.Itoa(m.ClientPort)
	}
	return "http://127.0.0.1:" + strconv.Itoa(m.ClientPort)
}

// PeerURL is where the member talks to the other members, on loopback.
func (m EtcdMember) PeerURL() string { return "http://127.0.0.1:" + strconv.Itoa(m.PeerPort) }

// EtcdBackendQuota is the backend size the members are given: the real
// binary's default is 2 GiB, which the 100,000-object benchmarks outgrow.
const EtcdBackendQuota = 8 << 30

// EtcdArgs are the flags that start m as a member of the new cluster of
// members (m among them). The real binary wants each URL said twice, as
// it listens and as it advertises, and the whole initial cluster named.
func EtcdArgs(m EtcdMember, members []EtcdMember) []string {
	initial := make([]string, len(members))
	for i, o := range members {
		initial[i] = o.Name + "=" + o.PeerURL()
	}
	args := []string{
		"--name", m.Name,
		"--data-dir", m.DataDir,
		"--listen-client-urls", m.ClientURL(),
		"--advertise-client-urls", m.ClientURL(),
		"--listen-peer-urls", m.PeerURL(),
		"--initial-advertise-peer-urls", m.PeerURL(),
		"--initial-cluster", strings.Join(initial, ","),
		"--initial-cluster-state", "new",
		"--initial-cluster-token", "microstax-local",
		"--quota-backend-bytes", strconv.FormatInt(EtcdBackendQuota, 10),
		"--log-level", "warn",
	}
	if m.TLS != nil {
		args = append(args, "--cert-file", m.TLS.ServerCert, "--key-file", m.TLS.ServerKey,
			"--trusted-ca-file", m.TLS.CAFile, "--client-cert-auth")
	}
	return args
}
