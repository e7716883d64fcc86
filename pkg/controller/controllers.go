// Package controller starts the MicroStax controllers, inside stax-apiserver
// (through its loopback client) or in stax-controller-manager.
package controller

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/rest"

	"github.com/microstax/stax/pkg/controller/environment"
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
)

// Known are the controllers that can be started.
var Known = sets.New(EnvironmentController, TokenRevocationController)

// Defaults are the controllers stax-apiserver and stax-controller-manager
// run unless told otherwise.
var Defaults = []string{EnvironmentController, TokenRevocationController}

// Config is what the controllers run with.
type Config struct {
	// Client reaches the stax.microstax.ai API.
	Client *rest.Config
	// Runtime runs environments.
	Runtime runtime.Runtime
	// Activity tells the idle timeout when environments were last used.
	Activity environment.Activity
	// Workers per controller.
	Workers int
}

// Start runs the named controllers until ctx ends.
func Start(ctx context.Context, names []string, cfg Config) error {
	if len(names) == 0 {
		return nil
	}
	client, err := versioned.NewForConfig(cfg.Client)
	if err != nil {
		return err
	}
	factory := externalversions.NewSharedInformerFactory(client, 10*time.Minute)
	workers := cfg.Workers
	if workers <= 0 {
		workers = 4
	}
	for _, name := range names {
		switch name {
		case EnvironmentController:
			if cfg.Runtime == nil {
				return fmt.Errorf("the %s controller needs a runtime", name)
			}
			c := environment.New(client, factory.Stax().V1alpha1().Environments(), cfg.Runtime, cfg.Activity)
			go c.Run(ctx, workers)
		case TokenRevocationController:
			// Deletions are rare and each is one call: one worker is plenty.
			go tokenrevocation.New(client, factory.Stax().V1alpha1().TokenRevocations()).Run(ctx, 1)
		default:
			return fmt.Errorf("unknown controller %q", name)
		}
	}
	factory.Start(ctx.Done())
	return nil
}
