// Package server turns command-line options into a running stax-apiserver:
// options, then config, then run, as k8s.io/sample-apiserver does.
package server

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	unionauthz "k8s.io/apiserver/pkg/authorization/union"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	utilfeature "k8s.io/apiserver/pkg/util/feature"

	"github.com/microstax/stax/artifacts"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apiserver"
	"github.com/microstax/stax/pkg/auth/certcache"
	"github.com/microstax/stax/pkg/certs"
	"github.com/microstax/stax/pkg/controller"
)

// Modes of running.
const (
	// ModeStandalone is a laptop or CI: no kube-apiserver anywhere; the
	// server makes its own certificates and authenticates client
	// certificates itself.
	ModeStandalone = "standalone"
	// ModeAggregated runs behind kube-apiserver's aggregation layer and
	// delegates authentication and authorization to it.
	ModeAggregated = "aggregated"
)

const etcdPathPrefix = "/registry/stax.microstax.ai"

// Runtimes --runtime accepts.
const (
	// RuntimeLocal runs each service replica as a supervised host process.
	RuntimeLocal = "local"
	// RuntimeNone stores environments without running them.
	RuntimeNone = "none"
	// RuntimeKubernetes runs each service as a Deployment on a cluster.
	RuntimeKubernetes = "kubernetes"
)

// KnownRuntimes are the values --runtime accepts.
var KnownRuntimes = sets.New(RuntimeLocal, RuntimeNone, RuntimeKubernetes)

// DefaultGCPercent lets the heap grow to five times what is live before the
// collector runs. The live heap of an API server is small next to what a
// request allocates (decoding, managed fields, encoding), so the collector
// runs often: going from Go's default of 100 to 400 saved about a seventh of
// the server's CPU under a stream of creates, and costs about twice the
// memory (docs/benchmarks.md).
const DefaultGCPercent = 400

// Options is everything stax-apiserver can be told.
type Options struct {
	Recommended *genericoptions.RecommendedOptions

	// Mode is ModeStandalone or ModeAggregated.
	Mode string
	// DataDir holds the embedded etcd, certificates, kubeconfig and audit log.
	DataDir string
	// EmbeddedEtcdPort is the client port of the embedded etcd; 0 picks one.
	EmbeddedEtcdPort int
	// AdminKubeconfig is where a standalone server writes an admin kubeconfig.
	AdminKubeconfig string
	// Controllers run in-process.
	Controllers []string
	// Runtime is where environments run.
	Runtime string
	// RuntimeKubeconfig is the cluster of the kubernetes runtime.
	RuntimeKubeconfig string
	// Identity configures hybrid-signed tokens.
	Identity *IdentityOptions
	// ClientCertCacheTTL is how long whom a client certificate (and the
	// front proxy's headers) authenticated as is reused; 0 verifies the
	// chain on every request.
	ClientCertCacheTTL time.Duration
	// GCPercent is the Go collector's target (GOGC), unless the GOGC
	// environment variable is set; 0 leaves the runtime's default.
	GCPercent int

	// ExtraAuthenticators run before the mode's own, in order; the identity
	// work adds its token authenticator here.
	ExtraAuthenticators []authenticator.Request
	// ExtraAuthorizers run before the mode's own, in order.
	ExtraAuthorizers []unionauthz.NamedAuthorizer

	Stdout, Stderr io.Writer
}

// NewOptions returns the defaults: standalone on embedded etcd.
func NewOptions(out, errOut io.Writer) *Options {
	rec := genericoptions.NewRecommendedOptions(etcdPathPrefix,
		apiserver.StorageCodec(v1alpha1.SchemeGroupVersion))
	rec.Etcd.StorageConfig.EncodeVersioner = runtime.NewMultiGroupVersioner(
		v1alpha1.SchemeGroupVersion, schema.GroupKind{Group: v1alpha1.GroupName})
	rec.SecureServing.BindPort = 8443
	return &Options{
		Recommended:        rec,
		Mode:               ModeStandalone,
		DataDir:            "stax-data",
		Runtime:            RuntimeLocal,
		Controllers:        append([]string{}, controller.Defaults...),
		Identity:           NewIdentityOptions(),
		GCPercent:          DefaultGCPercent,
		ClientCertCacheTTL: certcache.DefaultTTL,
		Stdout:             out,
		Stderr:             errOut,
	}
}

// AddFlags registers every option on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.Recommended.AddFlags(fs)
	o.Identity.AddFlags(fs)
	utilfeature.DefaultMutableFeatureGate.AddFlag(fs)
	fs.StringVar(&o.Mode, "mode", o.Mode, "standalone: own certificates and client-certificate authentication, "+
		"no kube-apiserver needed; aggregated: behind kube-apiserver, with delegated authentication and authorization.")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "Directory for the embedded etcd, generated certificates, "+
		"the admin kubeconfig and the audit log.")
	fs.IntVar(&o.EmbeddedEtcdPort, "embedded-etcd-port", o.EmbeddedEtcdPort, "Client port of the embedded etcd "+
		"(used when --etcd-servers is empty); 0 picks a free port.")
	fs.StringVar(&o.AdminKubeconfig, "admin-kubeconfig", o.AdminKubeconfig, "Where a standalone server writes "+
		"an admin kubeconfig. Defaults to <data-dir>/admin.kubeconfig.")
	fs.StringSliceVar(&o.Controllers, "controllers", o.Controllers, fmt.Sprintf(
		"Controllers to run in-process; empty to run them in stax-controller-manager instead. Known: %v.", sets.List(controller.Known)))
	fs.StringVar(&o.Runtime, "runtime", o.Runtime, fmt.Sprintf(
		"Where environments run. Known: %v.", sets.List(KnownRuntimes)))
	fs.StringVar(&o.RuntimeKubeconfig, "runtime-kubeconfig", o.RuntimeKubeconfig, "Kubeconfig of the cluster "+
		"environments run on with --runtime=kubernetes (one namespace per environment); not the one "+
		"stax-apiserver is aggregated into, though it may be the same cluster.")
	fs.DurationVar(&o.ClientCertCacheTTL, "client-cert-cache-ttl", o.ClientCertCacheTTL, "How long to reuse "+
		"the user a client certificate chain (with the front proxy's user headers) authenticated as, instead of "+
		"verifying its signatures again; 0 verifies on every request.")
	fs.IntVar(&o.GCPercent, "gc-percent", o.GCPercent, "Garbage collection target percentage (as GOGC): "+
		"higher spends memory to save CPU; 0 keeps Go's default. The GOGC environment variable, when set, wins.")
}

// Complete fills in what follows from other options, mode first.
func (o *Options) Complete() error {
	abs, err := filepath.Abs(o.DataDir)
	if err != nil {
		return err
	}
	o.DataDir = abs
	if o.AdminKubeconfig == "" {
		o.AdminKubeconfig = filepath.Join(o.DataDir, "admin.kubeconfig")
	}
	o.Identity.complete(o.DataDir)
	// Identity documents are public, as an OIDC issuer's are.
	o.Recommended.Authorization.AlwaysAllowPaths = append(o.Recommended.Authorization.AlwaysAllowPaths, apiserver.PublicPaths...)
	if o.Mode != ModeStandalone {
		return nil
	}
	rec := o.Recommended
	// Nothing of Kubernetes' own API exists here: no namespaces to check
	// in admission, no FlowSchemas, no ConfigMaps with client CAs.
	rec.CoreAPI = nil
	rec.Admission = nil
	rec.Features.EnablePriorityAndFairness = false

	files := certs.FilesIn(filepath.Join(o.DataDir, "pki"))
	if rec.SecureServing.ServerCert.CertKey.CertFile == "" {
		rec.SecureServing.ServerCert.CertKey.CertFile = files.ServingCert
		rec.SecureServing.ServerCert.CertKey.KeyFile = files.ServingKey
	}
	rec.Authentication.RemoteKubeConfigFileOptional = true
	rec.Authentication.SkipInClusterLookup = true
	if rec.Authentication.ClientCert.ClientCA == "" {
		rec.Authentication.ClientCert.ClientCA = files.CACert
	}
	rec.Authorization.RemoteKubeConfigFileOptional = true
	rec.Authorization.AlwaysAllowGroups = []string{certs.AdminGroup}

	if rec.Audit.LogOptions.Path == "" {
		rec.Audit.LogOptions.Path = filepath.Join(o.DataDir, "audit.log")
		rec.Audit.LogOptions.MaxSize = 100
		rec.Audit.LogOptions.MaxBackups = 3
	}
	if rec.Audit.PolicyFile == "" {
		policy := filepath.Join(o.DataDir, "audit-policy.yaml")
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(policy, artifacts.AuditPolicy, 0o600); err != nil {
			return err
		}
		rec.Audit.PolicyFile = policy
	}
	return nil
}

// Validate reports every option that is wrong.
func (o *Options) Validate() error {
	var errs []string
	for _, err := range o.Recommended.Validate() {
		errs = append(errs, err.Error())
	}
	if o.Mode != ModeStandalone && o.Mode != ModeAggregated {
		errs = append(errs, fmt.Sprintf("--mode must be %q or %q, not %q", ModeStandalone, ModeAggregated, o.Mode))
	}
	for _, c := range o.Controllers {
		if !controller.Known.Has(c) {
			errs = append(errs, fmt.Sprintf("--controllers: unknown controller %q (known: %v)", c, sets.List(controller.Known)))
		}
		if c == controller.EnvironmentController && o.Runtime == RuntimeNone {
			errs = append(errs, "--controllers: the environment controller needs a runtime (--runtime=none)")
		}
	}
	errs = append(errs, o.Identity.Validate()...)
	if !KnownRuntimes.Has(o.Runtime) {
		errs = append(errs, fmt.Sprintf("--runtime: unknown runtime %q (known: %v)", o.Runtime, sets.List(KnownRuntimes)))
	}
	if o.Runtime == RuntimeKubernetes && o.RuntimeKubeconfig == "" {
		errs = append(errs, "--runtime-kubeconfig is required with --runtime=kubernetes")
	}
	if o.ClientCertCacheTTL < 0 {
		errs = append(errs, fmt.Sprintf("--client-cert-cache-ttl must be 0 or more, not %v", o.ClientCertCacheTTL))
	}
	if o.GCPercent < 0 {
		errs = append(errs, fmt.Sprintf("--gc-percent must be 0 or more, not %d", o.GCPercent))
	}
	if o.Runtime != RuntimeKubernetes && o.RuntimeKubeconfig != "" {
		errs = append(errs, "--runtime-kubeconfig is only for --runtime=kubernetes")
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid options:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}
