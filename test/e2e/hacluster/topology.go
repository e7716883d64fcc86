// Package hacluster runs MicroStax the way a highly available install is
// laid out, as processes on loopback: a three-member etcd cluster, several
// stax-apiservers on it sharing one serving certificate and client CA, and
// HAProxy in TCP passthrough in front of them (as a user's load balancer:
// terminating TLS there would lose the client certificate). The fault
// tests (test/e2e/ha_faults_test.go) and hack/local-up-ha.sh use it.
package hacluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/microstax/stax/test/e2e/cluster"
)

// Election timing for ten processes sharing two cores: etcd's defaults
// (100 ms heartbeat, 1 s election) call elections when a member is merely
// descheduled; these still elect a new leader within a few seconds.
const (
	EtcdHeartbeatMillis = 150
	EtcdElectionMillis  = 1500
)

// AdminGroup is the group a standalone stax-apiserver lets do everything.
const AdminGroup = "system:masters"

// Config says how many of each and where the binaries are.
type Config struct {
	// Dir holds certificates, data and logs.
	Dir string
	// ToolsBin holds etcd (hack/build-tools.sh).
	ToolsBin string
	// HAProxy is the haproxy binary; empty looks it up on PATH.
	HAProxy string
	// StaxCommand returns the command that runs stax-apiserver with args.
	StaxCommand func(args ...string) *exec.Cmd
	// APIServers is how many stax-apiservers run; default 3.
	APIServers int
	// ExtraStaxArgs are added to every stax-apiserver's flags.
	ExtraStaxArgs []string
	// ControllerManagers is how many stax-controller-managers run, leader
	// elected on the etcd cluster; default none.
	ControllerManagers int
	// ControllerManagerCommand returns the command that runs
	// stax-controller-manager with args.
	ControllerManagerCommand func(args ...string) *exec.Cmd
	// ExtraControllerManagerArgs are added to every manager's flags.
	ExtraControllerManagerArgs []string
	// StartTimeout bounds each wait; default 3 minutes.
	StartTimeout time.Duration
}

// Topology is the running set of processes.
type Topology struct {
	cfg Config

	Etcd       []*Process
	EtcdURLs   []string
	APIServers []*Process
	// APIServerURLs are the replicas' own endpoints, for /readyz.
	APIServerURLs []string
	HAProxy       *HAProxy
	// ControllerManagers are the leader-elected controller managers.
	ControllerManagers []*Process
	// URL is HAProxy's frontend: where clients talk to the API.
	URL string
	// CAFile signed the shared serving certificate and the client
	// certificates the apiservers accept.
	CAFile string
	// ClientCert and ClientKey are an admin (AdminGroup) client certificate.
	ClientCert, ClientKey string
	// KEKFile is the key-encryption key every replica shares its token
	// keys through etcd with (--key-encryption-key-file, docs/replicas.md).
	KEKFile string

	pki string
	ca  *cluster.CA
}

// Start brings everything up and waits until HAProxy answers /readyz; on
// error it stops what it started.
func Start(ctx context.Context, cfg Config) (_ *Topology, err error) {
	t, err := StartEtcd(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			t.Stop()
		}
	}()
	if err := t.startAPIServers(ctx); err != nil {
		return nil, err
	}
	if t.HAProxy, err = StartHAProxy(ctx, t.cfg.Dir, t.cfg.HAProxy, t.CAFile, t.APIServerURLs); err != nil {
		return nil, err
	}
	t.URL = t.HAProxy.URL
	if err := t.startControllerManagers(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// StartEtcd issues the certificates and starts only the etcd cluster, for
// a control plane that runs its apiservers itself (hack/local-up-ha.sh
// --aggregated).
func StartEtcd(ctx context.Context, cfg Config) (_ *Topology, err error) {
	if cfg.APIServers == 0 {
		cfg.APIServers = 3
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 3 * time.Minute
	}
	if cfg.HAProxy == "" {
		if cfg.HAProxy, err = exec.LookPath("haproxy"); err != nil {
			return nil, fmt.Errorf("haproxy is required on PATH (Debian: apt-get install -y haproxy): %w", err)
		}
	}
	t := &Topology{cfg: cfg, pki: filepath.Join(cfg.Dir, "pki")}
	defer func() {
		if err != nil {
			t.Stop()
		}
	}()
	for _, d := range []string{t.pki, filepath.Join(cfg.Dir, "logs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if err := t.issueCertificates(); err != nil {
		return nil, err
	}
	if err := t.startEtcd(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// Stop ends the controller managers, HAProxy, the apiservers, then etcd.
func (t *Topology) Stop() {
	for _, p := range t.ControllerManagers {
		p.Stop()
	}
	if t.HAProxy != nil {
		t.HAProxy.Stop()
	}
	for _, p := range t.APIServers {
		p.Stop()
	}
	for _, p := range t.Etcd {
		p.Stop()
	}
}

// Processes are every component, for logs.
func (t *Topology) Processes() []*Process {
	all := append(append(append([]*Process{}, t.Etcd...), t.APIServers...), t.ControllerManagers...)
	if t.HAProxy != nil {
		all = append(all, t.HAProxy.Process)
	}
	return all
}

// issueCertificates makes one serving certificate every replica presents,
// so a client through HAProxy trusts whichever it reaches, and the admin's
// client certificate.
func (t *Topology) issueCertificates() error {
	var err error
	if t.ca, err = cluster.NewCA(t.pki, "ca", "microstax-ha-ca"); err != nil {
		return err
	}
	t.CAFile = t.ca.CertFile()
	if _, _, err = t.ca.IssueServing(t.pki, "stax-apiserver", "localhost", "127.0.0.1"); err != nil {
		return err
	}
	if t.ClientCert, t.ClientKey, err = t.ca.IssueClient(t.pki, "admin", "ha-admin", AdminGroup); err != nil {
		return err
	}
	return t.writeKEK()
}

func (t *Topology) startEtcd(ctx context.Context) error {
	members := make([]cluster.EtcdMember, 3)
	for i := range members {
		members[i] = cluster.EtcdMember{Name: "etcd" + strconv.Itoa(i), DataDir: filepath.Join(t.cfg.Dir, "etcd"+strconv.Itoa(i)),
			ClientPort: freePort(), PeerPort: freePort()}
		t.EtcdURLs = append(t.EtcdURLs, members[i].ClientURL())
	}
	for _, m := range members {
		args := append(cluster.EtcdArgs(m, members),
			"--heartbeat-interval="+strconv.Itoa(EtcdHeartbeatMillis),
			"--election-timeout="+strconv.Itoa(EtcdElectionMillis))
		p := NewProcess(m.Name, t.logPath(m.Name), exec.Command(filepath.Join(t.cfg.ToolsBin, "etcd"), args...))
		if err := p.Start(); err != nil {
			return err
		}
		t.Etcd = append(t.Etcd, p)
	}
	return t.WaitEtcdHealthy(ctx)
}

// WaitEtcdHealthy waits until every member answers /health with a leader.
func (t *Topology) WaitEtcdHealthy(ctx context.Context) error {
	for i, u := range t.EtcdURLs {
		if err := waitFor(ctx, t.cfg.StartTimeout, t.Etcd[i], "/health", func(ctx context.Context) bool {
			body, err := get(ctx, http.DefaultClient, u+"/health")
			return err == nil && strings.Contains(body, `"health":"true"`)
		}); err != nil {
			return err
		}
	}
	return nil
}

// EtcdLeader is the index of the member that is the raft leader.
func (t *Topology) EtcdLeader(ctx context.Context) (int, error) {
	c, err := clientv3.New(clientv3.Config{Endpoints: t.EtcdURLs, DialTimeout: 5 * time.Second})
	if err != nil {
		return -1, err
	}
	defer c.Close()
	for i, u := range t.EtcdURLs {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		s, err := c.Status(sctx, u)
		cancel()
		if err == nil && s.Leader == s.Header.MemberId {
			return i, nil
		}
	}
	return -1, errors.New("no etcd member says it is the leader")
}

func (t *Topology) startAPIServers(ctx context.Context) error {
	cert, key := filepath.Join(t.pki, "stax-apiserver.crt"), filepath.Join(t.pki, "stax-apiserver.key")
	for i := range t.cfg.APIServers {
		name := "stax-apiserver" + strconv.Itoa(i)
		port := freePort()
		args := append([]string{
			"--mode=standalone",
			"--data-dir=" + filepath.Join(t.cfg.Dir, name),
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--tls-cert-file=" + cert,
			"--tls-private-key-file=" + key,
			"--client-ca-file=" + t.CAFile,
			"--etcd-servers=" + strings.Join(t.EtcdURLs, ","),
			"--key-encryption-key-file=" + t.KEKFile,
			"-v=1",
		}, t.cfg.ExtraStaxArgs...)
		p := NewProcess(name, t.logPath(name), t.cfg.StaxCommand(args...))
		if err := p.Start(); err != nil {
			return err
		}
		t.APIServers = append(t.APIServers, p)
		t.APIServerURLs = append(t.APIServerURLs, "https://127.0.0.1:"+strconv.Itoa(port))
	}
	for i := range t.APIServers {
		if err := t.WaitAPIServerReady(ctx, i); err != nil {
			return err
		}
	}
	return nil
}

// WaitAPIServerReady waits until replica i answers /readyz itself.
func (t *Topology) WaitAPIServerReady(ctx context.Context, i int) error {
	hc, err := t.anonymousClient()
	if err != nil {
		return err
	}
	return waitFor(ctx, t.cfg.StartTimeout, t.APIServers[i], "/readyz", func(ctx context.Context) bool {
		body, err := get(ctx, hc, t.APIServerURLs[i]+"/readyz")
		return err == nil && body == "ok"
	})
}

// RESTConfig is the admin's client configuration through HAProxy. Each
// config has a dialer of its own, so that client-go does not share its
// connection with other clients: every client is its own TCP connection
// through HAProxy to one replica, as separate users would be. A timeout
// of 0 is for watches. Conn says the local address of the config's last
// connection, for APIServerOf.
func (t *Topology) RESTConfig(timeout time.Duration) (cfg *rest.Config, conn func() string) {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	var mu sync.Mutex
	last := ""
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err == nil {
			mu.Lock()
			last = c.LocalAddr().String()
			mu.Unlock()
		}
		return c, err
	}
	return &rest.Config{
			Host:            t.URL,
			TLSClientConfig: rest.TLSClientConfig{CAFile: t.CAFile, CertFile: t.ClientCert, KeyFile: t.ClientKey},
			QPS:             1000,
			Burst:           1000,
			Timeout:         timeout,
			Dial:            dial,
		}, func() string {
			mu.Lock()
			defer mu.Unlock()
			return last
		}
}

// APIServerOf is the replica HAProxy passes the connection from the local
// address src to.
func (t *Topology) APIServerOf(src string) (int, error) { return t.HAProxy.BackendOf(src) }

func (t *Topology) anonymousClient() (*http.Client, error) { return anonymousClient(t.CAFile) }

func anonymousClient(caFile string) (*http.Client, error) {
	tlsCfg, err := rest.TLSConfigFor(&rest.Config{TLSClientConfig: rest.TLSClientConfig{CAFile: caFile}})
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}, Timeout: 5 * time.Second}, nil
}

func (t *Topology) logPath(name string) string { return filepath.Join(t.cfg.Dir, "logs", name+".log") }

// waitFor polls cond every 200 ms, failing early when p has ended.
func waitFor(ctx context.Context, timeout time.Duration, p *Process, what string, cond func(context.Context) bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if !p.Running() {
			return fmt.Errorf("%s ended while waiting for %s; end of %s:\n%s", p.Name, what, p.Log, p.Tail(30))
		}
		if cond(ctx) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s of %s: %w; end of %s:\n%s", what, p.Name, ctx.Err(), p.Log, p.Tail(30))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func get(ctx context.Context, hc *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), err
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WriteKubeconfig writes the admin's kubeconfig through HAProxy to path.
func (t *Topology) WriteKubeconfig(path string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["stax-ha"] = &clientcmdapi.Cluster{Server: t.URL, CertificateAuthority: t.CAFile}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificate: t.ClientCert, ClientKey: t.ClientKey}
	cfg.Contexts["stax-ha"] = &clientcmdapi.Context{Cluster: "stax-ha", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "stax-ha"
	return clientcmd.WriteToFile(*cfg, path)
}

// Exited yields each process that ends on its own, but for the
// supervised ones, which their supervisor starts again.
func (t *Topology) Exited() <-chan *Process {
	ch := make(chan *Process, len(t.Processes()))
	for _, p := range t.Processes() {
		p.mu.Lock()
		done, supervised := p.done, p.restartAfter > 0
		p.mu.Unlock()
		if supervised || done == nil {
			continue
		}
		go func() {
			<-done
			ch <- p
		}()
	}
	return ch
}
