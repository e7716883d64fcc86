package kubectlstax

import (
	"k8s.io/apimachinery/pkg/api/meta"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// readyMessage is the Ready condition's message, the controller's one
// sentence on why an environment is or is not ready.
func readyMessage(env *staxv1.Environment) string {
	if c := meta.FindStatusCondition(env.Status.Conditions, staxv1.ConditionReady); c != nil && c.Message != "" {
		return c.Message
	}
	return "no message"
}
