package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	basecompatibility "k8s.io/component-base/compatibility"
	baseversion "k8s.io/component-base/version"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/apiserver"
	"github.com/microstax/stax/pkg/auth/certcache"
	"github.com/microstax/stax/pkg/certs"
	"github.com/microstax/stax/pkg/controller"
	"github.com/microstax/stax/pkg/etcd"
	"github.com/microstax/stax/pkg/gctune"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	generatedopenapi "github.com/microstax/stax/pkg/generated/openapi"
)

// shutdownWatchGrace bounds how long shutdown waits for watches to end
// once they were told to.
const shutdownWatchGrace = 2 * time.Second

// NewCommand returns the stax-apiserver command.
func NewCommand(ctx context.Context, o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stax-apiserver",
		Short: "Serve the stax.microstax.ai API: environments of MicroStax",
		Long: "stax-apiserver serves the stax.microstax.ai API group. Standalone, it keeps its data in an " +
			"embedded etcd and writes an admin kubeconfig for kubectl; aggregated, it runs behind kube-apiserver.",
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	cmd.SetContext(ctx)
	o.AddFlags(cmd.Flags())
	cmd.AddCommand(NewMintTokenCommand(NewOptions(o.Stdout, o.Stderr)))
	cmd.AddCommand(NewRotateTokenKeysCommand(NewOptions(o.Stdout, o.Stderr)))
	return cmd
}

// Run serves completed, valid options until ctx is done. It starts what the
// config is built from: an embedded etcd member when no --etcd-servers were
// given, and the runtime.
func (o *Options) Run(ctx context.Context) error {
	etcdServers := o.Recommended.Etcd.StorageConfig.Transport.ServerList
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	o.tuneCollector(ctx)
	defer o.shared.close()
	if o.embeddedEtcd() {
		member, err := etcd.Start(etcd.Config{DataDir: o.DataDir, ClientPort: o.EmbeddedEtcdPort})
		if err != nil {
			return err
		}
		defer member.Close()
		klog.InfoS("Embedded etcd is serving", "url", member.ClientURL(), "dataDir", o.DataDir)
		etcdServers = []string{member.ClientURL()}
		// A member that fails stops the server: nothing is served without it.
		go func() {
			select {
			case err := <-member.Err():
				if err != nil {
					klog.ErrorS(err, "Embedded etcd failed; stopping")
					stop(fmt.Errorf("embedded etcd: %w", err))
				}
			case <-ctx.Done():
			}
		}()
	}
	config, err := o.Config(etcdServers)
	if err != nil {
		return err
	}
	stub, err := o.stubAccess(config)
	if err != nil {
		return err
	}
	rt, closeRuntime, err := o.Runtime.New(filepath.Join(o.DataDir, "runtime"), stub)
	if err != nil {
		return err
	}
	defer closeRuntime()
	config.ExtraConfig.Runtime = rt
	counters, closeCounters, err := o.complianceRecorder(etcdServers)
	if err != nil {
		return err
	}
	defer closeCounters()
	config.ExtraConfig.Compliance = counters
	if config.ExtraConfig.Assistant, err = o.Assistant.New(); err != nil {
		return err
	}
	completed, err := config.Complete()
	if err != nil {
		return err
	}
	server, err := completed.New()
	if err != nil {
		return err
	}
	// The controllers register their informers on the server's factory now;
	// the server's post-start hook starts it with everything registered.
	controllers, err := controller.New(o.Controllers, controller.Config{
		Client: completed.Client, Informers: completed.Informers, Runtime: rt, Activity: completed.Activity,
		Clock: o.Clock,
	})
	if err != nil {
		return err
	}
	server.GenericAPIServer.AddPostStartHookOrDie("stax-start-controllers", func(hook genericapiserver.PostStartHookContext) error {
		controllers.Start(hook)
		return nil
	})
	server.GenericAPIServer.AddPostStartHookOrDie("stax-rotate-token-keys", func(hook genericapiserver.PostStartHookContext) error {
		if o.shared != nil {
			go o.shared.syncKeys(hook, o.Shared.SyncInterval, o.Identity.RotationPeriod)
			go o.shared.members.Run(hook, o.Shared.SyncInterval)
			return nil
		}
		go o.Identity.rotateKeys(hook, completed.Identity.Keys)
		return nil
	})
	if o.Mode == ModeStandalone {
		if err := o.writeAdminKubeconfig(); err != nil {
			return err
		}
	}
	if err := server.GenericAPIServer.PrepareRun().RunWithContext(ctx); err != nil {
		return err
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// Config builds the server configuration from completed, valid options,
// storing in etcdServers (--etcd-servers, or the member Run started). It
// changes nothing in the options, so it may be called more than once. The
// runtime is left to the caller, who owns it.
func (o *Options) Config(etcdServers []string) (*apiserver.Config, error) {
	if len(etcdServers) == 0 {
		return nil, errors.New("no etcd servers to store in")
	}
	rec := *o.Recommended
	etcdOptions := *rec.Etcd
	etcdOptions.StorageConfig.Transport.ServerList = append([]string{}, etcdServers...)
	rec.Etcd = &etcdOptions

	id, err := o.Identity.build(o.shared)
	if err != nil {
		return nil, err
	}

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
	// Watches end as shutdown begins (and their clients reconnect to
	// another replica) instead of holding the exit for the HTTP server's
	// whole shutdown timeout; log follows end likewise (pkg/apiserver).
	cfg.ShutdownWatchTerminationGracePeriod = shutdownWatchGrace

	if err := rec.ApplyTo(cfg); err != nil {
		return nil, err
	}
	if o.ClientCertCacheTTL > 0 && cfg.Authentication.Authenticator != nil {
		cfg.Authentication.Authenticator = certcache.New(cfg.Authentication.Authenticator, certcache.DefaultSize, o.ClientCertCacheTTL)
	}
	client, err := versioned.NewForConfig(cfg.LoopbackClientConfig)
	if err != nil {
		return nil, err
	}
	return &apiserver.Config{GenericConfig: cfg, ExtraConfig: apiserver.ExtraConfig{
		Identity: id,
		// Standalone, nothing else could accept a bearer token, so a refused
		// one is a 401; aggregated, delegated TokenReview may take others.
		OwnsBearerTokens:     o.Mode == ModeStandalone,
		Client:               client,
		Informers:            controller.NewInformerFactory(client),
		BlueprintLimits:      o.BlueprintLimits.Limits,
		MaxYAMLExpandedBytes: o.MaxYAMLExpandedBytes,
		Clock:                o.Clock,
		MaxStubDocumentBytes: o.MaxStubDocumentBytes,

		ActivityWriteInterval: o.Shared.ActivityWriteInterval,
		RequestLimitShare:     o.shared.requestLimitShare(),
	}}, nil
}

// writeAdminKubeconfig writes the admin kubeconfig that README points
// kubectl at, naming the port Complete opened.
func (o *Options) writeAdminKubeconfig() error {
	files := certs.FilesIn(filepath.Join(o.DataDir, "pki"))
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

// tuneCollector applies --gc-percent and --gc-heap-headroom, unless the
// GOGC environment variable says otherwise.
func (o *Options) tuneCollector(ctx context.Context) {
	if _, set := os.LookupEnv("GOGC"); set || o.GCPercent == 0 {
		return
	}
	headroom := o.GCHeapHeadroom.Value()
	if headroom == 0 {
		debug.SetGCPercent(o.GCPercent)
		return
	}
	policy := gctune.Policy{MaxPercent: o.GCPercent, MinPercent: min(100, o.GCPercent), Headroom: uint64(headroom)}
	go gctune.Run(ctx, policy, time.Second)
}
