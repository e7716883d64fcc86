package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	unionauthn "k8s.io/apiserver/pkg/authentication/request/union"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	unionauthz "k8s.io/apiserver/pkg/authorization/union"
	"k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	basecompatibility "k8s.io/component-base/compatibility"
	baseversion "k8s.io/component-base/version"
	"k8s.io/klog/v2"
	netutils "k8s.io/utils/net"

	"github.com/microstax/stax/pkg/activity"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apiserver"
	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/auth/certcache"
	"github.com/microstax/stax/pkg/certs"
	"github.com/microstax/stax/pkg/controller"
	"github.com/microstax/stax/pkg/etcd"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
	generatedopenapi "github.com/microstax/stax/pkg/generated/openapi"
	envruntime "github.com/microstax/stax/pkg/runtime"
	k8sruntime "github.com/microstax/stax/pkg/runtime/kubernetes"
	"github.com/microstax/stax/pkg/runtime/local"
)

// NewCommand returns the stax-apiserver command.
func NewCommand(ctx context.Context, o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stax-apiserver",
		Short: "Serve the stax.microstax.ai API: environments of MicroStax",
		Long: "stax-apiserver serves the stax.microstax.ai API group. Standalone, it keeps its data in an " +
			"embedded etcd and writes an admin kubeconfig for kubectl; aggregated, it runs behind kube-apiserver.",
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			return o.Run(c.Context())
		},
	}
	cmd.SetContext(ctx)
	o.AddFlags(cmd.Flags())
	cmd.AddCommand(NewMintTokenCommand(NewOptions(o.Stdout, o.Stderr)))
	return cmd
}

// Run completes and validates the options, starts embedded etcd when no
// --etcd-servers were given, and serves until ctx is done.
func (o *Options) Run(ctx context.Context) error {
	if err := o.Complete(); err != nil {
		return err
	}
	if len(o.Recommended.Etcd.StorageConfig.Transport.ServerList) == 0 {
		member, err := etcd.Start(etcd.Config{DataDir: o.DataDir, ClientPort: o.EmbeddedEtcdPort})
		if err != nil {
			return err
		}
		defer member.Close()
		klog.InfoS("Embedded etcd is serving", "url", member.ClientURL(), "dataDir", o.DataDir)
		o.Recommended.Etcd.StorageConfig.Transport.ServerList = []string{member.ClientURL()}
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if _, set := os.LookupEnv("GOGC"); !set && o.GCPercent > 0 {
		debug.SetGCPercent(o.GCPercent)
	}
	rt, closeRuntime, err := o.newRuntime()
	if err != nil {
		return err
	}
	defer closeRuntime()
	config, err := o.Config()
	if err != nil {
		return err
	}
	tracker := activity.NewTracker(v1alpha1.GroupName)
	config.GenericConfig.BuildHandlerChainFunc = func(h http.Handler, c *genericapiserver.Config) http.Handler {
		return genericapiserver.DefaultBuildHandlerChain(tracker.Wrap(h), c)
	}
	if rt != nil {
		config.Runtime = rt
	}
	server, err := config.Complete().New()
	if err != nil {
		return err
	}
	server.GenericAPIServer.AddPostStartHookOrDie("stax-start-controllers", func(hook genericapiserver.PostStartHookContext) error {
		cfg := controller.Config{Client: hook.LoopbackClientConfig, Activity: tracker}
		if rt != nil {
			cfg.Runtime = rt
		}
		return controller.Start(hook, o.Controllers, cfg)
	})
	server.GenericAPIServer.AddPostStartHookOrDie("stax-token-revocations", func(hook genericapiserver.PostStartHookContext) error {
		client, err := versioned.NewForConfig(hook.LoopbackClientConfig)
		if err != nil {
			return err
		}
		factory := externalversions.NewSharedInformerFactory(client, 0)
		if err := auth.FeedRevocations(factory.Stax().V1alpha1().TokenRevocations(), config.Identity.Revoker); err != nil {
			return err
		}
		factory.Start(hook.Done())
		return nil
	})
	server.GenericAPIServer.AddPostStartHookOrDie("stax-rotate-token-keys", func(hook genericapiserver.PostStartHookContext) error {
		go o.Identity.rotateKeys(hook, config.Identity.Keys)
		return nil
	})
	return server.GenericAPIServer.PrepareRun().RunWithContext(ctx)
}

// Config builds the server configuration from completed, valid options.
func (o *Options) Config() (*apiserver.Config, error) {
	rec := o.Recommended
	if o.Mode == ModeStandalone {
		if err := o.prepareStandaloneCertificates(); err != nil {
			return nil, err
		}
	} else if err := rec.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil,
		[]net.IP{netutils.ParseIPSloppy("127.0.0.1")}); err != nil {
		return nil, fmt.Errorf("creating self-signed certificates: %w", err)
	}

	id, err := o.Identity.build()
	if err != nil {
		return nil, err
	}
	// Standalone, nothing else could accept a bearer token, so a refused
	// one is a 401; aggregated, delegated TokenReview may take others.
	o.Identity.wire(id, o.Mode == ModeStandalone, o)

	cfg := genericapiserver.NewRecommendedConfig(apiserver.Codecs)
	namer := openapi.NewDefinitionNamer(apiserver.Scheme)
	cfg.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(generatedopenapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIConfig.Info.Title = "MicroStax"
	cfg.OpenAPIConfig.Info.Version = "v1alpha1"
	cfg.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(generatedopenapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIV3Config.Info.Title = "MicroStax"
	cfg.OpenAPIV3Config.Info.Version = "v1alpha1"
	cfg.FeatureGate = utilfeature.DefaultFeatureGate
	// Followed logs stream for as long as the client reads, like watches.
	cfg.LongRunningFunc = genericfilters.BasicLongRunningRequestCheck(
		sets.NewString("watch", "proxy"),
		sets.NewString("attach", "exec", "proxy", "log", "logs", "portforward"))
	cfg.EffectiveVersion = basecompatibility.NewEffectiveVersionFromString(baseversion.DefaultKubeBinaryVersion, "", "")

	if err := rec.ApplyTo(cfg); err != nil {
		return nil, err
	}
	if o.ClientCertCacheTTL > 0 && cfg.Authentication.Authenticator != nil {
		cfg.Authentication.Authenticator = certcache.New(cfg.Authentication.Authenticator, certcache.DefaultSize, o.ClientCertCacheTTL)
	}
	cfg.Authentication.Authenticator = chainAuthenticators(o.ExtraAuthenticators, cfg.Authentication.Authenticator)
	authz, err := chainAuthorizers(o.ExtraAuthorizers, cfg.Authorization.Authorizer)
	if err != nil {
		return nil, err
	}
	cfg.Authorization.Authorizer = authz
	return &apiserver.Config{GenericConfig: cfg, Identity: id}, nil
}

// newRuntime opens the runtime --runtime names, nil for "none", and what
// ends it with the server.
func (o *Options) newRuntime() (envruntime.Runtime, func(), error) {
	switch o.Runtime {
	case RuntimeLocal:
		rt, err := local.New(local.Config{DataDir: filepath.Join(o.DataDir, "runtime")})
		if err != nil {
			return nil, nil, err
		}
		// Every process of every environment ends with the server.
		return rt, func() { rt.Close() }, nil
	case RuntimeKubernetes:
		cfg, err := clientcmd.BuildConfigFromFlags("", o.RuntimeKubeconfig)
		if err != nil {
			return nil, nil, fmt.Errorf("--runtime-kubeconfig: %w", err)
		}
		// Each sync makes a few requests per environment; client-go's default
		// of 5 per second would queue a few hundred environments for minutes.
		cfg.QPS, cfg.Burst = 100, 200
		client, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("--runtime-kubeconfig: %w", err)
		}
		// Environments keep running on the cluster when the server ends.
		rt, err := k8sruntime.New(k8sruntime.Config{Client: client})
		return rt, func() {}, err
	}
	return nil, func() {}, nil
}

// prepareStandaloneCertificates issues the serving and admin certificates
// and writes the admin kubeconfig that README points kubectl at.
func (o *Options) prepareStandaloneCertificates() error {
	files := certs.FilesIn(filepath.Join(o.DataDir, "pki"))
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if addr := o.Recommended.SecureServing.BindAddress; addr != nil && !addr.IsUnspecified() {
		hosts = append(hosts, addr.String())
	}
	if err := certs.Ensure(files, hosts); err != nil {
		return fmt.Errorf("issuing certificates: %w", err)
	}
	host := "127.0.0.1"
	if addr := o.Recommended.SecureServing.BindAddress; addr != nil && !addr.IsUnspecified() {
		host = addr.String()
	}
	port := o.Recommended.SecureServing.BindPort
	if l := o.Recommended.SecureServing.Listener; l != nil {
		port = l.Addr().(*net.TCPAddr).Port
	}
	server := "https://" + net.JoinHostPort(host, strconv.Itoa(port))
	if err := certs.WriteKubeconfig(files, server, o.AdminKubeconfig); err != nil {
		return fmt.Errorf("writing admin kubeconfig: %w", err)
	}
	klog.InfoS("Admin kubeconfig written", "path", o.AdminKubeconfig, "server", server)
	return nil
}

// chainAuthenticators puts extra authenticators in front of the mode's own.
// A request none of them recognises goes on to the mode's chain (client
// certificates, delegation, anonymous); credentials one of them refuses end
// the request with 401 instead of falling through to anonymous.
func chainAuthenticators(extra []authenticator.Request, base authenticator.Request) authenticator.Request {
	if len(extra) == 0 {
		return base
	}
	if base == nil {
		return unionauthn.New(extra...)
	}
	return unionauthn.NewFailOnError(unionauthn.New(extra...), base)
}

// chainAuthorizers puts extra authorizers in front of the mode's own; the
// first to allow or deny decides.
func chainAuthorizers(extra []unionauthz.NamedAuthorizer, base authorizer.Authorizer) (authorizer.Authorizer, error) {
	if len(extra) == 0 {
		return base, nil
	}
	chain := append([]unionauthz.NamedAuthorizer{}, extra...)
	if base != nil {
		chain = append(chain, unionauthz.NamedAuthorizer{AuthorizerName: "mode", Authorizer: base})
	}
	return unionauthz.New(chain...)
}
