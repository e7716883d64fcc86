// Package controller starts the MicroStax controllers, inside stax-apiserver
// (through its loopback client) or in stax-controller-manager.
package controller

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/clock"

	"github.com/microstax/stax/pkg/controller/baseline"
	"github.com/microstax/stax/pkg/controller/drift"
	"github.com/microstax/stax/pkg/controller/environment"
	"github.com/microstax/stax/pkg/controller/recordretention"
	"github.com/microstax/stax/pkg/controller/tokenrevocation"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
	"github.com/microstax/stax/pkg/runtime"
)

// Names of the controllers.
const (
	// EnvironmentController runs environments on a Runtime.
	EnvironmentController = "environment"
	// TokenRevocationController deletes revocations of expired tokens.
	TokenRevocationController = "tokenrevocation"
	// BaselineController keeps Baselines' status in step with their
	// environments and overlays, and lets deleted ones go.
	BaselineController = "baseline"
	// RecordRetentionController deletes EnvironmentRecords past their
	// organization's retention.
	RecordRetentionController = "recordretention"
	// DriftController compares running environments with their plans
	// under their organization's drift policy.
	DriftController = "drift"
)

// Known are the controllers that can be started.
var Known = sets.New(EnvironmentController, TokenRevocationController, BaselineController, RecordRetentionController, DriftController)

// NeedRuntime are the controllers that act on a Runtime: --runtime=none
// cannot run them.
var NeedRuntime = sets.New(EnvironmentController, DriftController)

// Defaults are the controllers stax-apiserver and stax-controller-manager
// run unless told otherwise.
var Defaults = []string{EnvironmentController, TokenRevocationController, BaselineController, RecordRetentionController, DriftController}

// Config is what the controllers run with.
type Config struct {
	// Client reaches the stax.microstax.ai API.
	Client versioned.Interface
	// Informers is the informer factory of Client the controllers share with
	// whatever else runs beside them; whoever made it starts it, once, after
	// New has registered the controllers' informers.
	Informers externalversions.SharedInformerFactory
	// Runtime runs environments.
	Runtime runtime.Runtime
	// Activity tells the idle timeout when environments were last used.
	Activity environment.Activity
	// Workers per controller.
	Workers int
	// Clock, when set, is the controllers' time (tests inject a fake one).
	Clock clock.PassiveClock
	// DriftInterval is how often the drift controller checks a running
	// environment (0: drift.DefaultInterval).
	DriftInterval time.Duration
}

// Controllers are built controllers, ready to run.
type Controllers struct {
	run []func(ctx context.Context)
}

// New builds the named controllers and registers their informers on
// cfg.Informers.
func New(names []string, cfg Config) (*Controllers, error) {
	if len(names) > 0 && (cfg.Client == nil || cfg.Informers == nil) {
		return nil, fmt.Errorf("controllers need a client and an informer factory")
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = 4
	}
	c := &Controllers{}
	for _, name := range names {
		switch name {
		case EnvironmentController:
			if cfg.Runtime == nil {
				return nil, fmt.Errorf("the %s controller needs a runtime", name)
			}
			ec := environment.New(cfg.Client, cfg.Informers.Stax().V1alpha1().Environments(), cfg.Runtime, cfg.Activity)
			ec.WatchSecrets(cfg.Informers.Stax().V1alpha1().Secrets())
			ec.WatchStubs(cfg.Informers.Stax().V1alpha1().Stubs())
			// Auto-shutdown waits while overlays depend on an environment.
			ec.WatchBaselines(cfg.Informers.Stax().V1alpha1().Baselines())
			if cfg.Clock != nil {
				ec.SetClock(cfg.Clock)
			}
			c.run = append(c.run, func(ctx context.Context) { ec.Run(ctx, workers) })
		case TokenRevocationController:
			tc := tokenrevocation.New(cfg.Client, cfg.Informers.Stax().V1alpha1().TokenRevocations())
			// Deletions are rare and each is one call: one worker is plenty.
			c.run = append(c.run, func(ctx context.Context) { tc.Run(ctx, 1) })
		case BaselineController:
			v1 := cfg.Informers.Stax().V1alpha1()
			bc := baseline.New(cfg.Client, v1.Baselines(), v1.Environments())
			c.run = append(c.run, func(ctx context.Context) { bc.Run(ctx, 1) })
		case RecordRetentionController:
			v1 := cfg.Informers.Stax().V1alpha1()
			rc := recordretention.New(cfg.Client, v1.EnvironmentRecords(), v1.Organizations())
			if cfg.Clock != nil {
				rc.SetClock(cfg.Clock)
			}
			c.run = append(c.run, func(ctx context.Context) { rc.Run(ctx, 1) })
		case DriftController:
			detector, ok := cfg.Runtime.(runtime.DriftDetector)
			if !ok {
				return nil, fmt.Errorf("the %s controller needs a runtime that detects drift", name)
			}
			v1 := cfg.Informers.Stax().V1alpha1()
			dc := drift.New(cfg.Client, v1.Environments(), v1.Organizations(), detector)
			if cfg.DriftInterval > 0 {
				dc.Interval = cfg.DriftInterval
			}
			c.run = append(c.run, func(ctx context.Context) { dc.Run(ctx, workers) })
		default:
			return nil, fmt.Errorf("unknown controller %q", name)
		}
	}
	return c, nil
}

// Start runs every controller until ctx ends; each waits for its informers
// to sync first.
func (c *Controllers) Start(ctx context.Context) {
	for _, run := range c.run {
		go run(ctx)
	}
}

// NewInformerFactory is the informer factory controllers are built on.
func NewInformerFactory(client versioned.Interface) externalversions.SharedInformerFactory {
	return NewNamespacedInformerFactory(client, metav1.NamespaceAll)
}

// NewNamespacedInformerFactory is NewInformerFactory seeing only the
// objects of one namespace (all of them for metav1.NamespaceAll).
func NewNamespacedInformerFactory(client versioned.Interface, namespace string) externalversions.SharedInformerFactory {
	return externalversions.NewSharedInformerFactoryWithOptions(client, resync, externalversions.WithNamespace(namespace))
}

// resync revisits every object now and then, in case an event was missed.
const resync = 10 * time.Minute
