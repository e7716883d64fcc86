// Package options holds the flags that say where environments run, checks
// them and opens that Runtime, as k8s.io/apiserver/pkg/server/options does
// for etcd. stax-apiserver and stax-controller-manager both use it, so the
// two commands accept the same runtimes with the same flags.
package options

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/microstax/stax/pkg/runtime"
	kuberuntime "github.com/microstax/stax/pkg/runtime/kubernetes"
	"github.com/microstax/stax/pkg/runtime/local"
	"github.com/microstax/stax/pkg/stubaccess"
)

// Runtimes --runtime accepts.
const (
	// Local runs each service replica as a supervised host process.
	Local = "local"
	// None stores environments without running them.
	None = "none"
	// Kubernetes runs each service as a Deployment on a cluster.
	Kubernetes = "kubernetes"
)

// Known are the values --runtime accepts.
var Known = sets.New(Local, None, Kubernetes)

// Client rates of the kubernetes runtime. Each sync makes a few requests per
// environment; client-go's default of 5 per second would queue a few hundred
// environments for minutes.
const (
	kubernetesQPS   = 100
	kubernetesBurst = 200
)

// RuntimeOptions say which runtime environments run on and how to reach it.
type RuntimeOptions struct {
	// Name is Local, Kubernetes or None.
	Name string
	// Kubeconfig is the cluster of the kubernetes runtime.
	Kubeconfig string
	// StubBinary is stax-stub for the local runtime's stub services.
	StubBinary string
	// StubImage is stax-stub's image for the kubernetes runtime's.
	StubImage string
	// StubAPIServer and StubAPICAFile are where the kubernetes runtime's
	// stub pods reach the API and what verifies it.
	StubAPIServer, StubAPICAFile string
	// StubTokenLifetime is how long a stub credential's token lives.
	StubTokenLifetime time.Duration
}

// NewRuntimeOptions returns the defaults: the local runtime.
func NewRuntimeOptions() *RuntimeOptions {
	return &RuntimeOptions{Name: Local, StubTokenLifetime: stubaccess.Lifetime}
}

// AddFlags registers --runtime and --runtime-kubeconfig on fs.
func (o *RuntimeOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Name, "runtime", o.Name, fmt.Sprintf(
		"Where environments run. Known: %v.", sets.List(Known)))
	fs.StringVar(&o.Kubeconfig, "runtime-kubeconfig", o.Kubeconfig, "Kubeconfig of the cluster "+
		"environments run on with --runtime=kubernetes (one namespace per environment); not the one "+
		"stax-apiserver is aggregated into, though it may be the same cluster.")
	fs.StringVar(&o.StubBinary, "stub-binary", o.StubBinary, "stax-stub, which stub services run on the local runtime. "+
		"Defaults to the one beside this executable, else on PATH.")
	fs.StringVar(&o.StubImage, "stub-image", o.StubImage, "Image of stax-stub that stub services run on the kubernetes runtime (default "+
		kuberuntime.DefaultStubImage+").")
	fs.StringVar(&o.StubAPIServer, "stub-api-server", o.StubAPIServer, "URL at which stub pods of the kubernetes runtime reach "+
		"this API (for example kube-apiserver's, aggregated); without it stub services cannot run there.")
	fs.StringVar(&o.StubAPICAFile, "stub-api-ca-file", o.StubAPICAFile, "Certificates that verify --stub-api-server.")
	fs.DurationVar(&o.StubTokenLifetime, "stub-token-lifetime", o.StubTokenLifetime, fmt.Sprintf("How long the token of a stub "+
		"service's credential lives, %v to %v; the kubernetes runtime mints its Secret again half way through.", minStubTokenLifetime, stubaccess.Lifetime))
}

// minStubTokenLifetime keeps a refresh (half of it) above the controller's
// polls.
const minStubTokenLifetime = 10 * time.Second

// StubEndpoint is where stax-stub reaches the API from on this runtime:
// the server's own address (loopback) on the local runtime,
// --stub-api-server on the kubernetes runtime; empty when unknown.
func (o *RuntimeOptions) StubEndpoint(loopback stubaccess.Endpoint) (stubaccess.Endpoint, error) {
	if o.Name != Kubernetes {
		return loopback, nil
	}
	ep := stubaccess.Endpoint{Server: o.StubAPIServer}
	if o.StubAPICAFile != "" {
		ca, err := os.ReadFile(o.StubAPICAFile)
		if err != nil {
			return ep, fmt.Errorf("--stub-api-ca-file: %w", err)
		}
		ep.CAData = ca
	}
	return ep, nil
}

// Validate reports every option that is wrong.
func (o *RuntimeOptions) Validate() []error {
	var errs []error
	if !Known.Has(o.Name) {
		errs = append(errs, fmt.Errorf("--runtime: unknown runtime %q (known: %v)", o.Name, sets.List(Known)))
	}
	if o.Name == Kubernetes && o.Kubeconfig == "" {
		errs = append(errs, fmt.Errorf("--runtime-kubeconfig is required with --runtime=%s", Kubernetes))
	}
	if o.Name != Kubernetes && o.Kubeconfig != "" {
		errs = append(errs, fmt.Errorf("--runtime-kubeconfig is only for --runtime=%s", Kubernetes))
	}
	if o.Name != Kubernetes && (o.StubImage != "" || o.StubAPIServer != "" || o.StubAPICAFile != "") {
		errs = append(errs, fmt.Errorf("--stub-image, --stub-api-server and --stub-api-ca-file are only for --runtime=%s", Kubernetes))
	}
	if o.StubTokenLifetime < minStubTokenLifetime || o.StubTokenLifetime > stubaccess.Lifetime {
		errs = append(errs, fmt.Errorf("--stub-token-lifetime: %v is not within %v and %v", o.StubTokenLifetime, minStubTokenLifetime, stubaccess.Lifetime))
	}
	if o.Name != Local && o.StubBinary != "" {
		errs = append(errs, fmt.Errorf("--stub-binary is only for --runtime=%s", Local))
	}
	return errs
}

// New opens the runtime of valid options and returns what ends it with the
// command. The local runtime keeps working directories, logs and state in
// dataDir; None gives a nil Runtime. stub, when not nil, mints the
// credentials of stub services, and of the kubernetes runtime's
// stax-shadow when it is a runtime.DiffAccess too.
func (o *RuntimeOptions) New(dataDir string, stub runtime.StubAccess) (runtime.Runtime, func(), error) {
	switch o.Name {
	case Local:
		rt, err := local.New(local.Config{DataDir: dataDir, StubBinary: o.StubBinary, StubAccess: stub})
		if err != nil {
			return nil, nil, err
		}
		// Every process of every environment ends with the command.
		return rt, func() { _ = rt.Close() }, nil
	case Kubernetes:
		cfg, err := clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
		if err != nil {
			return nil, nil, fmt.Errorf("--runtime-kubeconfig: %w", err)
		}
		cfg.QPS, cfg.Burst = kubernetesQPS, kubernetesBurst
		client, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("--runtime-kubeconfig: %w", err)
		}
		// Environments keep running on the cluster when the command ends.
		// stubaccess.Minter also mints stax-shadow's diff writer tokens.
		diffs, _ := stub.(runtime.DiffAccess)
		rt, err := kuberuntime.New(kuberuntime.Config{Client: client, StubImage: o.StubImage, StubAccess: stub, DiffAccess: diffs})
		if err != nil {
			return nil, nil, err
		}
		return rt, func() {}, nil
	case None:
		return nil, func() {}, nil
	}
	return nil, nil, fmt.Errorf("--runtime: unknown runtime %q (known: %v)", o.Name, sets.List(Known))
}
