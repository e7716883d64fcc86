// Package cluster runs a small real control plane on this machine: an etcd,
// a kube-apiserver with its aggregation layer on, and stax-apiserver in
// aggregated mode registered behind it with the manifests of
// artifacts/aggregated. Nothing runs in pods, and everything talks over
// loopback only (loopback.go checks it): the Service of stax-apiserver is
// an ExternalName of 127.0.0.1, which kube-apiserver's aggregator (with
// --enable-aggregator-routing=false) dials at the APIService's port, still
// checking the serving certificate against <service>.<namespace>.svc, as
// kube's own integration test server does.
//
// The e2e tests and hack/local-up-aggregated.sh use it.
package cluster

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// Names fixed by the manifests in artifacts/aggregated.
const (
	Namespace      = "microstax"
	ServiceAccount = "stax-apiserver"
	ServiceName    = "stax-apiserver"
	APIServiceName = "v1alpha1.stax.microstax.ai"
	// FrontProxyUser is the CN kube-apiserver's proxy client certificate
	// carries and the only name --requestheader-allowed-names accepts.
	FrontProxyUser = "front-proxy-client"
)

// Config says where the parts of the control plane come from.
type Config struct {
	// Dir holds certificates, kubeconfigs, etcd data and logs.
	Dir string
	// EtcdDataDir, when set, is where etcd keeps its data instead of Dir:
	// a new or empty directory (etcd starts a new cluster in it).
	EtcdDataDir string
	// ToolsBin holds etcd and kube-apiserver (hack/build-tools.sh).
	ToolsBin string
	// Artifacts is the artifacts/aggregated directory.
	Artifacts string
	// Kubectl is the kubectl binary the manifests are applied with.
	Kubectl string
	// StaxCommand returns the command that runs stax-apiserver with args.
	StaxCommand func(args ...string) *exec.Cmd
	// StartTimeout bounds the wait for each component; default 3 minutes.
	StartTimeout time.Duration
	// TokenWebhook makes kube-apiserver authenticate bearer tokens it does
	// not know with stax-apiserver's TokenReview webhook, so hybrid-signed
	// MicroStax tokens work through it.
	TokenWebhook bool
	// Workloads also starts kube-controller-manager, kube-scheduler and
	// kwok (all in ToolsBin, hack/build-tools.sh --all), so that
	// Deployments get pods that run on simulated nodes.
	Workloads bool
	// KwokConfig are kwok's --config files: its Stages. With none, kwok
	// refuses to start.
	KwokConfig []string
	// NoStax leaves out stax-apiserver and its registration.
	NoStax bool
	// EtcdServers, when set, are the client URLs of an etcd cluster
	// already running (test/e2e/hacluster); none is started.
	EtcdServers []string
	// StaxReplicas is how many stax-apiservers run, all with the same
	// serving certificate; default 1.
	StaxReplicas int
	// StaxFront, when set, puts a load balancer in front of the replicas
	// (presenting certificates of caFile) and returns its port, which the
	// APIService then points at.
	StaxFront func(ctx context.Context, replicaURLs []string, caFile string) (port int, err error)
}

// Cluster is a running control plane.
type Cluster struct {
	cfg Config

	// EtcdURL is the client URL of etcd, shared by both API servers.
	EtcdURL string
	// KubeAPIServerURL and StaxURL are the secure endpoints of the servers.
	KubeAPIServerURL, StaxURL string
	// AdminKubeconfig is a system:masters client certificate for kube-apiserver.
	AdminKubeconfig string
	// StaxKubeconfig is what stax-apiserver uses: a token of its ServiceAccount.
	StaxKubeconfig string
	// AdminConfig and Client talk to kube-apiserver as the admin.
	AdminConfig *rest.Config
	Client      kubernetes.Interface
	// KubeAPIServerArgs are the flags kube-apiserver was started with.
	KubeAPIServerArgs []string
	// StaxCAFile is the CA of stax-apiserver's serving certificate, for
	// clients that talk to it directly.
	StaxCAFile string
	// StaxArgs are the flags stax-apiserver was started with.
	StaxArgs []string
	// Processes are the running components by name (etcd, kube-apiserver,
	// stax-apiserver), for RSS and logs.
	Processes map[string]*Process

	pki      string
	clientCA *authority
	// staxCert, staxKey and staxPort are chosen before kube-apiserver
	// starts, whose token webhook configuration names stax-apiserver.
	staxCert, staxKey string
	staxPort          int
	// saKey signs ServiceAccount tokens; kube-controller-manager needs it.
	saKey string
}

// Process is a component running as a child process.
type Process struct {
	Name string
	Cmd  *exec.Cmd
	Log  string
	done chan struct{}
	err  error
}

// Start brings up etcd, kube-apiserver, with Workloads the components that
// run pods, and unless NoStax stax-apiserver; it applies the
// manifests and waits until the APIService is Available. On error it stops
// whatever it started.
func Start(ctx context.Context, cfg Config) (_ *Cluster, err error) {
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 3 * time.Minute
	}
	c := &Cluster{cfg: cfg, pki: filepath.Join(cfg.Dir, "pki"), Processes: map[string]*Process{}}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	for _, d := range []string{c.pki, filepath.Join(cfg.Dir, "logs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if len(cfg.EtcdServers) > 0 {
		c.EtcdURL = strings.Join(cfg.EtcdServers, ",")
	} else if err := c.startEtcd(ctx); err != nil {
		return nil, err
	}
	if err := c.prepareStax(); err != nil {
		return nil, err
	}
	if err := c.startKubeAPIServer(ctx); err != nil {
		return nil, err
	}
	if cfg.Workloads {
		if err := c.startWorkloads(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.NoStax {
		return c, nil
	}
	if err := c.register(ctx); err != nil {
		return nil, err
	}
	if err := c.startStax(ctx); err != nil {
		return nil, err
	}
	if err := c.waitAPIServiceAvailable(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Stop ends every component, stax-apiserver first and etcd last.
func (c *Cluster) Stop() {
	for name, p := range c.Processes {
		if strings.HasPrefix(name, "stax-apiserver") {
			p.stop()
		}
	}
	for _, name := range []string{"stax-apiserver", "kwok", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"} {
		if p := c.Processes[name]; p != nil {
			p.stop()
		}
	}
}

func (c *Cluster) startEtcd(ctx context.Context) error {
	dataDir := c.cfg.EtcdDataDir
	if dataDir == "" {
		dataDir = filepath.Join(c.cfg.Dir, "etcd")
	}
	m := EtcdMember{Name: "etcd", DataDir: dataDir, ClientPort: freePort(), PeerPort: freePort()}
	c.EtcdURL = m.ClientURL()
	p, err := c.start("etcd", exec.Command(filepath.Join(c.cfg.ToolsBin, "etcd"), EtcdArgs(m, []EtcdMember{m})...))
	if err != nil {
		return err
	}
	return c.waitFor(ctx, p, "etcd /health", func(ctx context.Context) (bool, error) {
		body, err := get(ctx, http.DefaultClient, c.EtcdURL+"/health")
		return err == nil && strings.Contains(body, `"health":"true"`), nil
	})
}

func (c *Cluster) startKubeAPIServer(ctx context.Context) error {
	pki := c.pki
	var err error
	// One CA signs kube-apiserver's serving certificate and every client
	// certificate it accepts (--client-ca-file).
	if c.clientCA, err = newAuthority(pki, "ca", "microstax-e2e-ca"); err != nil {
		return err
	}
	// The front-proxy CA is separate: only kube-apiserver's proxy client
	// may assert identities in X-Remote-* headers to stax-apiserver.
	frontProxyCA, err := newAuthority(pki, "front-proxy-ca", "microstax-e2e-front-proxy-ca")
	if err != nil {
		return err
	}
	proxyCert, proxyKey, err := frontProxyCA.issue(pki, "front-proxy-client", leaf{CommonName: FrontProxyUser, Client: true})
	if err != nil {
		return err
	}
	servingCert, servingKey, err := c.clientCA.issue(pki, "kube-apiserver", leaf{CommonName: "kube-apiserver", Server: true,
		Hosts: []string{"localhost", "127.0.0.1", "10.0.0.1", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}})
	if err != nil {
		return err
	}
	saPub, saKey, err := newServiceAccountKeys(pki)
	if err != nil {
		return err
	}
	c.saKey = saKey
	port := freePort()
	c.KubeAPIServerURL = "https://127.0.0.1:" + strconv.Itoa(port)
	c.KubeAPIServerArgs = []string{
		"--etcd-servers=" + c.EtcdURL,
		"--bind-address=127.0.0.1",
		// Loopback only: advertise 127.0.0.1 and keep it out of the
		// kubernetes Service's endpoints, as kube's test server does.
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + servingCert,
		"--tls-private-key-file=" + servingKey,
		"--client-ca-file=" + c.clientCA.CertFile,
		"--authorization-mode=Node,RBAC",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + saPub,
		"--service-account-signing-key-file=" + saKey,
		// The aggregation layer: kube-apiserver proxies to stax-apiserver
		// with this client certificate and the user in request headers.
		"--requestheader-client-ca-file=" + frontProxyCA.CertFile,
		"--requestheader-allowed-names=" + FrontProxyUser,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + proxyCert,
		"--proxy-client-key-file=" + proxyKey,
		// Resolve stax-apiserver through its Service, an ExternalName
		// of 127.0.0.1 (exposeOnLoopback); endpoints refuse loopback.
		"--enable-aggregator-routing=false",
		"--v=1",
	}
	if c.cfg.TokenWebhook {
		flags, err := c.tokenWebhookFlags()
		if err != nil {
			return err
		}
		c.KubeAPIServerArgs = append(c.KubeAPIServerArgs, flags...)
	}
	p, err := c.start("kube-apiserver", exec.Command(filepath.Join(c.cfg.ToolsBin, "kube-apiserver"), c.KubeAPIServerArgs...))
	if err != nil {
		return err
	}

	adminCert, adminKey, err := c.clientCA.issue(pki, "admin", leaf{CommonName: "e2e-admin",
		Organizations: []string{"system:masters"}, Client: true})
	if err != nil {
		return err
	}
	c.AdminKubeconfig = filepath.Join(c.cfg.Dir, "admin.kubeconfig")
	if err := writeKubeconfig(c.AdminKubeconfig, c.KubeAPIServerURL, c.clientCA.CertFile,
		&clientcmdapi.AuthInfo{ClientCertificate: adminCert, ClientKey: adminKey}); err != nil {
		return err
	}
	if c.AdminConfig, err = clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig); err != nil {
		return err
	}
	c.AdminConfig.QPS, c.AdminConfig.Burst = 200, 400
	if c.Client, err = kubernetes.NewForConfig(c.AdminConfig); err != nil {
		return err
	}
	return c.waitFor(ctx, p, "kube-apiserver /readyz", func(ctx context.Context) (bool, error) {
		body, err := c.Client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok", nil
	})
}

// register applies the manifests of artifacts/aggregated: all as shipped
// except the Service, which loses its selector and gets an EndpointSlice
// to the host, and the Deployment, which is only checked with a server-side
// dry run (nothing here runs pods).
func (c *Cluster) register(ctx context.Context) error {
	for _, f := range []string{"00-namespace.yaml", "01-serviceaccount.yaml", "02-rbac.yaml", "03-user-roles.yaml", "07-token-webhook.yaml"} {
		if _, err := c.Kubectl(ctx, nil, "apply", "-f", filepath.Join(c.cfg.Artifacts, f)); err != nil {
			return err
		}
	}
	if _, err := c.Kubectl(ctx, nil, "apply", "--dry-run=server", "-f", filepath.Join(c.cfg.Artifacts, "05-deployment.yaml")); err != nil {
		return err
	}
	// Everything else needs the ServiceAccount's token: the first one may
	// come before kube-apiserver's caches know the new ServiceAccount.
	var token *authenticationv1.TokenRequest
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, c.cfg.StartTimeout, true, func(ctx context.Context) (bool, error) {
		var err error
		token, err = c.Client.CoreV1().ServiceAccounts(Namespace).CreateToken(ctx, ServiceAccount,
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](24 * 3600)}},
			metav1.CreateOptions{})
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("requesting a token for %s/%s: %w", Namespace, ServiceAccount, err)
	}
	c.StaxKubeconfig = filepath.Join(c.cfg.Dir, "stax-apiserver.kubeconfig")
	return writeKubeconfig(c.StaxKubeconfig, c.KubeAPIServerURL, c.clientCA.CertFile,
		&clientcmdapi.AuthInfo{Token: token.Status.Token})
}

// prepareStax issues stax-apiserver's serving certificate and picks its
// address.
func (c *Cluster) prepareStax() error {
	// The serving certificate names the Service, as it would in a cluster;
	// kube-apiserver checks it against the APIService's caBundle.
	staxCA, err := newAuthority(c.pki, "stax-ca", "microstax-e2e-stax-apiserver-ca")
	if err != nil {
		return err
	}
	c.StaxCAFile = staxCA.CertFile
	c.staxCert, c.staxKey, err = staxCA.issue(c.pki, "stax-apiserver", leaf{CommonName: ServiceName + "." + Namespace + ".svc", Server: true,
		Hosts: []string{ServiceName + "." + Namespace + ".svc", ServiceName + "." + Namespace + ".svc.cluster.local", "127.0.0.1"}})
	if err != nil {
		return err
	}
	c.staxPort = freePort()
	c.StaxURL = "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(c.staxPort))
	return nil
}

// TokenWebhookUser is the identity kube-apiserver calls stax-apiserver's
// TokenReview webhook with; artifacts/aggregated/07-token-webhook.yaml lets
// it post to /authenticate.
const TokenWebhookUser = "kube-apiserver-token-webhook"

// tokenWebhookFlags writes the webhook kubeconfig and returns the flags
// that make kube-apiserver use it.
func (c *Cluster) tokenWebhookFlags() ([]string, error) {
	cert, key, err := c.clientCA.issue(c.pki, "token-webhook", leaf{CommonName: TokenWebhookUser, Client: true})
	if err != nil {
		return nil, err
	}
	path := filepath.Join(c.cfg.Dir, "token-webhook.kubeconfig")
	if err := writeKubeconfig(path, c.StaxURL+"/authenticate", c.StaxCAFile,
		&clientcmdapi.AuthInfo{ClientCertificate: cert, ClientKey: key}); err != nil {
		return nil, err
	}
	return []string{
		"--authentication-token-webhook-config-file=" + path,
		"--authentication-token-webhook-version=v1",
	}, nil
}

func (c *Cluster) staxArgs(dataDir string, port int) []string {
	return []string{
		"--mode=aggregated",
		"--data-dir=" + dataDir,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + c.staxCert,
		"--tls-private-key-file=" + c.staxKey,
		"--etcd-servers=" + c.EtcdURL,
		"--kubeconfig=" + c.StaxKubeconfig,
		"--authentication-kubeconfig=" + c.StaxKubeconfig,
		"--authorization-kubeconfig=" + c.StaxKubeconfig,
		"-v=1",
	}
}

// startStaxReplica runs one stax-apiserver and waits for its /readyz,
// readable without credentials on a delegating server.
func (c *Cluster) startStaxReplica(ctx context.Context, name, url string, args []string) error {
	p, err := c.start(name, c.cfg.StaxCommand(args...))
	if err != nil {
		return err
	}
	pool, err := os.ReadFile(c.StaxCAFile)
	if err != nil {
		return err
	}
	tlsCfg, err := rest.TLSConfigFor(&rest.Config{TLSClientConfig: rest.TLSClientConfig{CAData: pool}})
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}, Timeout: 5 * time.Second}
	return c.waitFor(ctx, p, name+" /readyz", func(ctx context.Context) (bool, error) {
		body, err := get(ctx, hc, url+"/readyz")
		return err == nil && body == "ok", nil
	})
}

// StaxDataDir is stax-apiserver's data directory (its token keys live there).
func (c *Cluster) StaxDataDir() string { return filepath.Join(c.cfg.Dir, "stax") }

// TokenKubeconfig writes a kubeconfig for kube-apiserver that carries only
// a bearer token.
func (c *Cluster) TokenKubeconfig(name, token string) (string, error) {
	path := filepath.Join(c.cfg.Dir, "token-"+name+".kubeconfig")
	return path, writeKubeconfig(path, c.KubeAPIServerURL, c.clientCA.CertFile, &clientcmdapi.AuthInfo{Token: token})
}

func (c *Cluster) startStax(ctx context.Context) error {
	port := c.staxPort
	var urls []string
	for i := range max(1, c.cfg.StaxReplicas) {
		name, dataDir, replicaPort := "stax-apiserver", c.StaxDataDir(), port
		if i > 0 {
			name, dataDir, replicaPort = "stax-apiserver"+strconv.Itoa(i), c.StaxDataDir()+strconv.Itoa(i), freePort()
		}
		url := "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(replicaPort))
		args := c.staxArgs(dataDir, replicaPort)
		if i == 0 {
			c.StaxArgs = args
		}
		if err := c.startStaxReplica(ctx, name, url, args); err != nil {
			return err
		}
		urls = append(urls, url)
	}
	if c.cfg.StaxFront != nil {
		var err error
		if port, err = c.cfg.StaxFront(ctx, urls, c.StaxCAFile); err != nil {
			return err
		}
		c.StaxURL = "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}

	if err := c.exposeOnLoopback(ctx); err != nil {
		return err
	}
	manifest, err := os.ReadFile(filepath.Join(c.cfg.Artifacts, "06-apiservice.yaml"))
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(c.StaxCAFile)
	if err != nil {
		return err
	}
	manifest, n := replaceCABundle(manifest, base64.StdEncoding.EncodeToString(caPEM))
	if n != 1 {
		return fmt.Errorf("06-apiservice.yaml: expected one caBundle line, found %d", n)
	}
	// The aggregator dials the ExternalName at the APIService's port.
	manifest, n = replaceServicePort(manifest, port)
	if n != 1 {
		return fmt.Errorf("06-apiservice.yaml: expected one service port line, found %d", n)
	}
	_, err = c.Kubectl(ctx, manifest, "apply", "-f", "-")
	return err
}

var servicePortLine = regexp.MustCompile(`(?m)^(\s+port:)\s*\d+\s*$`)

func replaceServicePort(manifest []byte, port int) ([]byte, int) {
	n := len(servicePortLine.FindAll(manifest, -1))
	return servicePortLine.ReplaceAll(manifest, []byte("${1} "+strconv.Itoa(port))), n
}

var caBundleLine = regexp.MustCompile(`(?m)^(\s*caBundle:).*$`)

func replaceCABundle(manifest []byte, b64 string) ([]byte, int) {
	n := len(caBundleLine.FindAll(manifest, -1))
	return caBundleLine.ReplaceAll(manifest, []byte("${1} "+b64)), n
}

// exposeOnLoopback creates the shipped Service as an ExternalName of
// 127.0.0.1: no selector, no cluster IP, its ports kept. In a cluster it
// stays a ClusterIP Service in front of the Deployment.
func (c *Cluster) exposeOnLoopback(ctx context.Context) error {
	raw, err := os.ReadFile(filepath.Join(c.cfg.Artifacts, "04-service.yaml"))
	if err != nil {
		return err
	}
	var svc corev1.Service
	if err := yaml.UnmarshalStrict(raw, &svc); err != nil {
		return fmt.Errorf("04-service.yaml: %w", err)
	}
	svc.Spec.Selector = nil
	svc.Spec.Type = corev1.ServiceTypeExternalName
	svc.Spec.ExternalName = "127.0.0.1"
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
	if err := checkLoopbackHost(svc.Spec.ExternalName); err != nil {
		return err
	}
	_, err = c.Client.CoreV1().Services(Namespace).Create(ctx, &svc, metav1.CreateOptions{})
	return err
}

var apiServicesGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

func (c *Cluster) waitAPIServiceAvailable(ctx context.Context) error {
	dyn, err := dynamic.NewForConfig(c.AdminConfig)
	if err != nil {
		return err
	}
	last := ""
	err = c.waitFor(ctx, c.Processes["stax-apiserver"], "APIService "+APIServiceName+" Available", func(ctx context.Context) (bool, error) {
		obj, err := dyn.Resource(apiServicesGVR).Get(ctx, APIServiceName, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
		for _, cond := range conds {
			m, _ := cond.(map[string]any)
			if m["type"] == "Available" {
				last = fmt.Sprintf("%v: %v", m["reason"], m["message"])
				return m["status"] == "True", nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("%w (last: %s)", err, last)
	}
	return nil
}

// Kubectl runs kubectl as the admin with stdin, returning stdout; the error
// carries stderr.
func (c *Cluster) Kubectl(ctx context.Context, stdin []byte, args ...string) (string, error) {
	return c.KubectlAs(ctx, c.AdminKubeconfig, stdin, args...)
}

// KubectlAs runs kubectl with kubeconfig.
func (c *Cluster) KubectlAs(ctx context.Context, kubeconfig string, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.cfg.Kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

// UserKubeconfig writes a kubeconfig for a client certificate with user
// name and groups, signed by kube-apiserver's client CA.
func (c *Cluster) UserKubeconfig(user string, groups ...string) (string, error) {
	cert, key, err := c.clientCA.issue(c.pki, "user-"+user, leaf{CommonName: user, Organizations: groups, Client: true})
	if err != nil {
		return "", err
	}
	path := filepath.Join(c.cfg.Dir, "user-"+user+".kubeconfig")
	return path, writeKubeconfig(path, c.KubeAPIServerURL, c.clientCA.CertFile,
		&clientcmdapi.AuthInfo{ClientCertificate: cert, ClientKey: key})
}

// start runs cmd with its output in logs/<name>.log.
func (c *Cluster) start(name string, cmd *exec.Cmd) (*Process, error) {
	logPath := filepath.Join(c.cfg.Dir, "logs", name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group: a Ctrl-C meant for the test or script reaches the
	// components only through Stop, in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Process{Name: name, Cmd: cmd, Log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	c.Processes[name] = p
	return p, nil
}

// Done is closed when the process has ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// RSSKiB is the resident set size of the process from /proc.
func (p *Process) RSSKiB() (int64, error) { return RSSKiB(p.Cmd.Process.Pid) }

// RSSKiB is the resident set size (VmRSS) of process pid from /proc.
func RSSKiB(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS")
}

// Tail is the end of the process's log, for error messages.
func (p *Process) Tail(n int) string {
	raw, _ := os.ReadFile(p.Log)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// stop sends SIGTERM and, after 20 seconds, SIGKILL.
func (p *Process) stop() {
	if p.Exited() {
		return
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
}

// waitFor polls cond until it holds, failing early when p exits.
func (c *Cluster) waitFor(ctx context.Context, p *Process, what string, cond wait.ConditionWithContextFunc) error {
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, c.cfg.StartTimeout, true, func(ctx context.Context) (bool, error) {
		if p.Exited() {
			return false, fmt.Errorf("%s exited (%v)", p.Name, p.err)
		}
		return cond(ctx)
	})
	if err != nil {
		return fmt.Errorf("waiting for %s: %w; end of %s:\n%s", what, err, p.Log, p.Tail(30))
	}
	return nil
}

func writeKubeconfig(path, server, caFile string, user *clientcmdapi.AuthInfo) error {
	if err := checkLoopbackURL(server); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["e2e"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: caFile}
	cfg.AuthInfos["user"] = user
	cfg.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "user", Namespace: "default"}
	cfg.CurrentContext = "e2e"
	return clientcmd.WriteToFile(*cfg, path)
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
	body, err := io.ReadAll(resp.Body)
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
