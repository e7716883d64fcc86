package environment

import (
	"context"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/runtime"
)

// PlanOf is the plan this controller applies for env, secret values
// filled from secrets/values: what the drift controller compares the live
// objects with and restores.
func PlanOf(ctx context.Context, client versioned.Interface, env *staxv1.Environment) (runtime.Plan, error) {
	plan := planFor(env)
	err := (&Controller{client: client}).resolveSecrets(ctx, env, &plan)
	return plan, err
}
