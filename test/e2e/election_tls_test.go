package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microstax/stax/test/e2e/cluster"
)

// TestControllerManagerElectionOverTLS: on an etcd that serves TLS and
// requires client certificates, as artifacts/ha's, a manager given
// --leader-elect-etcd-cafile, -certfile and -keyfile leads; one without a
// client certificate cannot reach etcd and exits saying so, within the
// 10s it gives etcd to answer, rather than waiting for ever.
func TestControllerManagerElectionOverTLS(t *testing.T) {
	dir := t.TempDir()
	certs, err := cluster.NewEtcdTLS(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := cluster.EtcdMember{Name: "tls", DataDir: filepath.Join(dir, "etcd"),
		ClientPort: freeLoopbackPort(t), PeerPort: freeLoopbackPort(t), TLS: certs}
	startEtcdMember(t, m)
	// Only the election is under test: no stax-apiserver answers, and the
	// controllers' informers retry against nothing until the end.
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: none, user: {}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
`), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"--kubeconfig=" + kubeconfig, "--controllers=tokenrevocation", "--runtime=none",
		"--leader-elect-etcd-servers=" + m.ClientURL(), "--leader-elect-ttl=3s", "--leader-elect-etcd-cafile=" + certs.CAFile}

	metrics := "127.0.0.1:" + strconv.Itoa(freeLoopbackPort(t))
	startControllerManager(t, append(common, "--leader-elect-identity=with-cert", "--metrics-bind-address="+metrics,
		"--leader-elect-etcd-certfile="+certs.ClientCert, "--leader-elect-etcd-keyfile="+certs.ClientKey)...)
	waitLeader(t, "http://"+metrics+"/metrics", "with-cert", 1)

	without := startControllerManager(t, append(common, "--leader-elect-identity=without-cert")...)
	if err := without.wait(t, time.Minute); err == nil {
		t.Errorf("a manager without a client certificate ended cleanly:\n%s", without.tail(20))
	} else if log := without.log(); strings.Contains(log, "Became leader") {
		t.Errorf("a manager without a client certificate led:\n%s", without.tail(20))
	} else if !strings.Contains(log, "reaching etcd") {
		t.Errorf("a manager without a client certificate ended with %v, not saying it could not reach etcd:\n%s", err, without.tail(5))
	}
}
