// Package controllermanager runs the MicroStax controllers outside the API
// server, for installs large enough to want them apart. Replicas elect a
// leader through etcd's own election, which standalone installs have even
// though they have no Lease API; only the leader runs controllers.
package controllermanager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/activity"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/controller"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	runtimeoptions "github.com/microstax/stax/pkg/runtime/options"
)

// ErrLostLeadership ends a manager whose etcd session expired: another
// replica may already lead, so this one must stop at once.
var ErrLostLeadership = errors.New("lost leadership")

// etcdTimeout bounds reaching etcd for the election: dialing, and the
// first request.
const etcdTimeout = 10 * time.Second

// Options configure stax-controller-manager.
type Options struct {
	Kubeconfig  string
	Controllers []string
	// Namespace, if set, is the only namespace the controllers act in.
	Namespace           string
	DataDir             string
	LeaderElect         bool
	ElectionEtcdServers []string
	// ElectionEtcdTLS, when any file is set, is how the election reaches
	// etcd over TLS, as stax-apiserver's --etcd-cafile, --etcd-certfile
	// and --etcd-keyfile.
	ElectionEtcdTLS transport.TLSInfo
	ElectionPrefix  string
	ElectionTTL     time.Duration
	Identity        string
	// MetricsBindAddress, if set, serves /metrics there (metrics.go).
	MetricsBindAddress string
	// Runtime is where environments run.
	Runtime *runtimeoptions.RuntimeOptions
}

// NewOptions returns the defaults.
func NewOptions() *Options {
	host, _ := os.Hostname()
	return &Options{
		Controllers:    append([]string{}, controller.Defaults...),
		DataDir:        "stax-controller-data",
		LeaderElect:    true,
		ElectionPrefix: "/stax.microstax.ai/controller-manager/leader",
		ElectionTTL:    10 * time.Second,
		Identity:       fmt.Sprintf("%s_%d", host, os.Getpid()),
		Runtime:        runtimeoptions.NewRuntimeOptions(),
	}
}

// AddFlags registers the options.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig of stax-apiserver (or of kube-apiserver in front of it).")
	fs.StringSliceVar(&o.Controllers, "controllers", o.Controllers, fmt.Sprintf("Controllers to run. Known: %v.", sets.List(controller.Known)))
	fs.StringVar(&o.Namespace, "namespace", o.Namespace, "Act only on the objects of this namespace (organization); empty: all. "+
		"For splitting environments among managers or keeping tests apart, not for security: the kubeconfig still allows all.")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "Directory of the local runtime: working directories and logs.")
	o.Runtime.AddFlags(fs)
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "Run controllers only while leading, elected through etcd.")
	fs.StringSliceVar(&o.ElectionEtcdServers, "leader-elect-etcd-servers", o.ElectionEtcdServers, "etcd members to elect through (the apiserver's etcd).")
	fs.StringVar(&o.ElectionEtcdTLS.TrustedCAFile, "leader-elect-etcd-cafile", "", "CA bundle that verifies the etcd members (TLS).")
	fs.StringVar(&o.ElectionEtcdTLS.CertFile, "leader-elect-etcd-certfile", "", "Client certificate for etcd (TLS), with --leader-elect-etcd-keyfile.")
	fs.StringVar(&o.ElectionEtcdTLS.KeyFile, "leader-elect-etcd-keyfile", "", "Private key of --leader-elect-etcd-certfile.")
	fs.StringVar(&o.ElectionPrefix, "leader-elect-prefix", o.ElectionPrefix, "etcd key prefix of the election.")
	fs.DurationVar(&o.ElectionTTL, "leader-elect-ttl", o.ElectionTTL, "How long a dead leader keeps leading before another takes over.")
	fs.StringVar(&o.Identity, "leader-elect-identity", o.Identity, "This replica's name in the election.")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", o.MetricsBindAddress, "Address (host:port) to serve /metrics and /healthz on, plain HTTP without authentication; empty: none.")
}

// NewCommand returns the stax-controller-manager command.
func NewCommand(ctx context.Context) *cobra.Command {
	o := NewOptions()
	cmd := &cobra.Command{
		Use:          "stax-controller-manager",
		Short:        "Run the MicroStax controllers, leader-elected",
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
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
	return cmd
}

// Complete fills in what follows from other options.
func (o *Options) Complete() error {
	abs, err := filepath.Abs(o.DataDir)
	if err != nil {
		return err
	}
	o.DataDir = abs
	return nil
}

// Validate reports every option that is wrong.
func (o *Options) Validate() error {
	var errs []error
	for _, c := range o.Controllers {
		if !controller.Known.Has(c) {
			errs = append(errs, fmt.Errorf("--controllers: unknown controller %q (known: %v)", c, sets.List(controller.Known)))
		}
		if controller.NeedRuntime.Has(c) && o.Runtime.Name == runtimeoptions.None {
			errs = append(errs, fmt.Errorf("--controllers: the %s controller needs a runtime (--runtime=none)", c))
		}
	}
	if o.LeaderElect && len(o.ElectionEtcdServers) == 0 {
		errs = append(errs, errors.New("--leader-elect needs --leader-elect-etcd-servers"))
	}
	if o.LeaderElect && o.ElectionTTL < time.Second {
		errs = append(errs, fmt.Errorf("--leader-elect-ttl must be at least 1s, not %v", o.ElectionTTL))
	}
	if (o.ElectionEtcdTLS.CertFile == "") != (o.ElectionEtcdTLS.KeyFile == "") {
		errs = append(errs, errors.New("--leader-elect-etcd-certfile and --leader-elect-etcd-keyfile go together"))
	}
	errs = append(errs, o.Runtime.Validate()...)
	return utilerrors.NewAggregate(errs)
}

// Run waits for leadership, then runs the controllers of completed, valid
// options until ctx ends or leadership is lost.
func (o *Options) Run(ctx context.Context) error {
	restCfg, err := clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	if err != nil {
		return err
	}
	client, err := versioned.NewForConfig(restCfg)
	if err != nil {
		return err
	}
	if o.MetricsBindAddress != "" {
		l, err := net.Listen("tcp", o.MetricsBindAddress)
		if err != nil {
			return fmt.Errorf("--metrics-bind-address: %w", err)
		}
		klog.InfoS("Serving metrics", "address", l.Addr().String())
		serveMetrics(ctx, l)
	}
	leading := ctx
	if o.LeaderElect {
		var stop func()
		leading, stop, err = o.lead(ctx)
		if err != nil {
			return err
		}
		defer stop()
	}
	// Only the leader opens the runtime: the local one kills the process
	// groups a previous owner of its directory left behind.
	// No keys to mint stub credentials with here: stub services need the
	// controllers inside stax-apiserver (docs/stubs.md).
	rt, closeRuntime, err := o.Runtime.New(filepath.Join(o.DataDir, "runtime"), nil)
	if err != nil {
		return err
	}
	defer closeRuntime()
	// Out of the API server no request is seen: only spec changes count as
	// use for the idle timeout.
	tracker := activity.NewTracker(v1alpha1.GroupName)
	informers := controller.NewNamespacedInformerFactory(client, o.Namespace)
	controllers, err := controller.New(o.Controllers, controller.Config{
		Client: client, Informers: informers, Runtime: rt, Activity: tracker,
	})
	if err != nil {
		return err
	}
	informers.Start(leading.Done())
	controllers.Start(leading)
	<-leading.Done()
	// The informers end with leadership; wait for them before the runtime
	// closes.
	informers.Shutdown()
	if ctx.Err() == nil {
		return ErrLostLeadership
	}
	return nil
}

// lead campaigns until this replica leads and returns a context that ends
// when leadership does.
func (o *Options) lead(ctx context.Context) (_ context.Context, _ func(), err error) {
	cfg := clientv3.Config{Endpoints: o.ElectionEtcdServers, DialTimeout: etcdTimeout}
	if !o.ElectionEtcdTLS.Empty() || o.ElectionEtcdTLS.TrustedCAFile != "" {
		if cfg.TLS, err = o.ElectionEtcdTLS.ClientConfig(); err != nil {
			return nil, nil, fmt.Errorf("etcd TLS of the election: %w", err)
		}
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	// The client dials lazily and retries for ever: a replica that cannot
	// reach etcd (wrong address, certificate refused) would wait without
	// end. Granting the session's lease first, with a deadline, makes it
	// exit saying why instead.
	grantCtx, cancelGrant := context.WithTimeout(ctx, etcdTimeout)
	lease, err := cli.Grant(grantCtx, int64(o.ElectionTTL.Seconds()))
	cancelGrant()
	if err != nil {
		cli.Close()
		return nil, nil, fmt.Errorf("reaching etcd %v for the election: %w", o.ElectionEtcdServers, err)
	}
	session, err := concurrency.NewSession(cli, concurrency.WithLease(lease.ID), concurrency.WithTTL(int(o.ElectionTTL.Seconds())))
	if err != nil {
		cli.Close()
		return nil, nil, err
	}
	election := concurrency.NewElection(session, o.ElectionPrefix)
	setLeading(o.Identity, false)
	klog.InfoS("Waiting for leadership", "identity", o.Identity)
	if err := election.Campaign(ctx, o.Identity); err != nil {
		session.Close()
		cli.Close()
		return nil, nil, err
	}
	klog.InfoS("Became leader", "identity", o.Identity)
	setLeading(o.Identity, true)
	leading, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-session.Done():
			klog.ErrorS(ErrLostLeadership, "etcd session ended", "identity", o.Identity)
		case <-leading.Done():
		}
		cancel()
		setLeading(o.Identity, false)
	}()
	stop := func() {
		cancel()
		resignCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		_ = election.Resign(resignCtx)
		session.Close()
		cli.Close()
	}
	return leading, stop, nil
}
