package environment

import (
	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/controller/baseline"
	staxinformers "github.com/microstax/stax/pkg/generated/informers/externalversions/stax/v1alpha1"
)

// WatchBaselines makes auto-shutdown wait while overlays depend on an
// environment: its baseline must keep running, and the server would refuse
// the stop (idle timeout) and the delete (time to live) anyway. The
// environment is looked at again every SteadyPoll, so the timers resume
// soon after the last overlay goes.
func (c *Controller) WatchBaselines(informer staxinformers.BaselineInformer) {
	c.baselines = informer.Lister()
	c.synced = allSynced(c.synced, informer.Informer().HasSynced)
}

// dependentOverlays names the overlays that depend on env, if known.
func (c *Controller) dependentOverlays(env *staxv1.Environment) []string {
	if c.baselines == nil {
		return nil
	}
	return baseline.DependentOverlays(c.baselines, c.lister, env.Namespace, env.Name)
}
