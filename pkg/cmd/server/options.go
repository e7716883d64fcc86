// Package server turns command-line options into a running stax-apiserver:
// options, then config, then run, as k8s.io/sample-apiserver does.
package server

import (
	"fmt"
	"io"
	"k8s.io/apimachinery/pkg/api/resource"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/utils/clock"
	netutils "k8s.io/utils/net"

	"github.com/microstax/stax/artifacts"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apiserver"
	"github.com/microstax/stax/pkg/auth/certcache"
	"github.com/microstax/stax/pkg/certs"
	"github.com/microstax/stax/pkg/controller"
	stubstore "github.com/microstax/stax/pkg/registry/stax/stub"
	runtimeoptions "github.com/microstax/stax/pkg/runtime/options"
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

// DefaultGCPercent lets the heap grow to five times what is live before the
// collector runs. The live heap of an API server is small next to what a
// request allocates (decoding, managed fields, encoding), so the collector
// runs often: going from Go's default of 100 to 400 saved about a seventh of
// the server's CPU under a stream of creates. Held fixed it would cost about
// twice the memory; DefaultGCHeapHeadroom bounds that (docs/benchmarks.md).
const DefaultGCPercent = 400

// DefaultGCHeapHeadroom bounds that memory: once the live heap is past a
// quarter of it, the target falls so that the heap grows by at most this
// much before a collection, down to Go's default of 100 (pkg/gctune).
const DefaultGCHeapHeadroom = "512Mi"

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
	Runtime *runtimeoptions.RuntimeOptions
	// Identity configures hybrid-signed tokens.
	Identity *IdentityOptions
	// ClientCertCacheTTL is how long whom a client certificate (and the
	// front proxy's headers) authenticated as is reused; 0 verifies the
	// chain on every request.
	ClientCertCacheTTL time.Duration
	// GCPercent is the Go collector's target (GOGC), unless the GOGC
	// environment variable is set; 0 leaves the runtime's default.
	GCPercent int
	// GCHeapHeadroom, if not zero, makes GCPercent the most: the target
	// follows the live heap (pkg/gctune).
	GCHeapHeadroom resource.QuantityValue
	// BlueprintLimits are the --max-* bounds of blueprints.
	BlueprintLimits *BlueprintLimitsOptions
	// MaxYAMLExpandedBytes bounds a YAML body with its aliases written out.
	MaxYAMLExpandedBytes int64
	// Clock, when set, is the time of the controllers and of usage answers
	// (not a flag: tests inject a fake one).
	Clock clock.PassiveClock
	// MaxStubDocumentBytes bounds a document uploaded to stubs/{name}/document.
	MaxStubDocumentBytes int64
	// Assistant explains diagnoses (assistant.go).
	Assistant *AssistantOptions
	// Shared is what replicas share through etcd (sharedstate.go).
	Shared *SharedStateOptions
	// shared is this run's connection to it, made by Complete.
	shared *sharedState

	Stdout, Stderr io.Writer
}

// NewOptions returns the defaults: standalone on embedded etcd.
func NewOptions(out, errOut io.Writer) *Options {
	// The storage codec follows --storage-media-type, so Complete makes it.
	rec := genericoptions.NewRecommendedOptions(etcdPathPrefix, nil)
	rec.Etcd.StorageConfig.EncodeVersioner = runtime.NewMultiGroupVersioner(
		v1alpha1.SchemeGroupVersion, schema.GroupKind{Group: v1alpha1.GroupName})
	rec.SecureServing.BindPort = 8443
	return &Options{
		Recommended:        rec,
		Mode:               ModeStandalone,
		DataDir:            "stax-data",
		Runtime:            runtimeoptions.NewRuntimeOptions(),
		Controllers:        append([]string{}, controller.Defaults...),
		Identity:           NewIdentityOptions(),
		GCPercent:          DefaultGCPercent,
		GCHeapHeadroom:     resource.QuantityValue{Quantity: resource.MustParse(DefaultGCHeapHeadroom)},
		ClientCertCacheTTL: certcache.DefaultTTL,
		BlueprintLimits:    NewBlueprintLimitsOptions(),
		Assistant:          NewAssistantOptions(),
		Shared:             NewSharedStateOptions(),
		Stdout:             out,
		Stderr:             errOut,

		MaxYAMLExpandedBytes: DefaultMaxYAMLExpandedBytes,
		MaxStubDocumentBytes: stubstore.DefaultMaxDocumentBytes,
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
	o.Runtime.AddFlags(fs)
	o.BlueprintLimits.AddFlags(fs)
	o.Assistant.AddFlags(fs)
	o.Shared.AddFlags(fs)
	fs.DurationVar(&o.ClientCertCacheTTL, "client-cert-cache-ttl", o.ClientCertCacheTTL, "How long to reuse "+
		"the user a client certificate chain (with the front proxy's user headers) authenticated as, instead of "+
		"verifying its signatures again; 0 verifies on every request.")
	fs.IntVar(&o.GCPercent, "gc-percent", o.GCPercent, "Garbage collection target percentage (as GOGC): "+
		"higher spends memory to save CPU; 0 keeps Go's default. The GOGC environment variable, when set, wins.")
	fs.Var(&o.GCHeapHeadroom, "gc-heap-headroom", "How much the heap may grow past what is live before a collection, "+
		"once the live heap is large: the collector's target falls from --gc-percent toward 100 as it grows. "+
		"0 keeps --gc-percent fixed.")
	o.addBodyLimitFlags(fs)
}

// Complete fills in what follows from other options, mode first. It also
// does what must happen once per run before the config is built: it writes
// the audit policy, issues the certificates (standalone) or a self-signed
// pair (aggregated, without --tls-cert-file), and opens the secure port, so
// that Config only reads the options and the admin kubeconfig names the port
// really listened on.
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
	if o.shared, err = o.openSharedState(); err != nil {
		return err
	}
	rec := o.Recommended
	// genericoptions reads --storage-media-type only for a storage factory
	// of many resources; this server's one codec must follow it itself.
	mediaType := rec.Etcd.DefaultStorageMediaType
	if mediaType == "" {
		mediaType = runtime.ContentTypeJSON
	}
	if rec.Etcd.StorageConfig.Codec, err = apiserver.StorageCodec(v1alpha1.SchemeGroupVersion, mediaType); err != nil {
		return fmt.Errorf("--storage-media-type: %w", err)
	}
	// Identity documents are public, as an OIDC issuer's are.
	public := sets.New(rec.Authorization.AlwaysAllowPaths...)
	for _, p := range apiserver.PublicPaths {
		if !public.Has(p) {
			rec.Authorization.AlwaysAllowPaths = append(rec.Authorization.AlwaysAllowPaths, p)
		}
	}
	if o.Mode == ModeStandalone {
		if err := o.completeStandalone(); err != nil {
			return err
		}
	} else if err := rec.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil,
		[]net.IP{netutils.ParseIPSloppy("127.0.0.1")}); err != nil {
		return fmt.Errorf("creating self-signed certificates: %w", err)
	}
	if rec.SecureServing.Listener != nil || rec.SecureServing.BindPort > 0 {
		// Opens the listener, or takes the address of a given one, and
		// checks the certificates load, as the config would: once, here.
		var serving *genericapiserver.SecureServingInfo
		if err := rec.SecureServing.SecureServingOptions.ApplyTo(&serving); err != nil {
			return err
		}
	}
	return nil
}

// completeStandalone fills in what a server without kube-apiserver needs.
func (o *Options) completeStandalone() error {
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
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if addr := rec.SecureServing.BindAddress; addr != nil && !addr.IsUnspecified() {
		hosts = append(hosts, addr.String())
	}
	ensure := certs.Ensure
	if o.shared != nil {
		ensure = o.shared.ensureCertificates
	}
	if err := ensure(files, hosts); err != nil {
		return fmt.Errorf("issuing certificates: %w", err)
	}
	return nil
}

// Validate reports every option of completed options that is wrong.
func (o *Options) Validate() error {
	var errs []string
	rec := *o.Recommended
	if o.embeddedEtcd() {
		// The embedded member's address is known once Run starts it.
		etcd := *rec.Etcd
		etcd.StorageConfig.Transport.ServerList = []string{"http://127.0.0.1:2379"}
		rec.Etcd = &etcd
	}
	for _, err := range rec.Validate() {
		errs = append(errs, err.Error())
	}
	if o.Mode != ModeStandalone && o.Mode != ModeAggregated {
		errs = append(errs, fmt.Sprintf("--mode must be %q or %q, not %q", ModeStandalone, ModeAggregated, o.Mode))
	}
	for _, c := range o.Controllers {
		if !controller.Known.Has(c) {
			errs = append(errs, fmt.Sprintf("--controllers: unknown controller %q (known: %v)", c, sets.List(controller.Known)))
		}
		if controller.NeedRuntime.Has(c) && o.Runtime.Name == runtimeoptions.None {
			errs = append(errs, fmt.Sprintf("--controllers: the %s controller needs a runtime (--runtime=none)", c))
		}
	}
	errs = append(errs, o.Identity.Validate()...)
	errs = append(errs, o.Shared.Validate()...)
	errs = append(errs, o.BlueprintLimits.Validate()...)
	for _, err := range o.Runtime.Validate() {
		errs = append(errs, err.Error())
	}
	if o.ClientCertCacheTTL < 0 {
		errs = append(errs, fmt.Sprintf("--client-cert-cache-ttl must be 0 or more, not %v", o.ClientCertCacheTTL))
	}
	if o.GCPercent < 0 {
		errs = append(errs, fmt.Sprintf("--gc-percent must be 0 or more, not %d", o.GCPercent))
	}
	if o.GCHeapHeadroom.Sign() < 0 {
		errs = append(errs, fmt.Sprintf("--gc-heap-headroom must be 0 or more, not %s", o.GCHeapHeadroom.String()))
	}
	errs = append(errs, o.validateBodyLimits()...)
	if o.EmbeddedEtcdPort < 0 || o.EmbeddedEtcdPort > 65535 {
		errs = append(errs, fmt.Sprintf("--embedded-etcd-port must be between 0 and 65535, not %d", o.EmbeddedEtcdPort))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid options:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// embeddedEtcd says whether Run starts an etcd member of its own: when no
// --etcd-servers are given.
func (o *Options) embeddedEtcd() bool {
	return len(o.Recommended.Etcd.StorageConfig.Transport.ServerList) == 0
}
