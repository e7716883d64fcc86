package kubectlstax

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func newPromoteCommand(o *Options) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "promote ENV --as NAME",
		Short: "Promote a Ready environment to a baseline that overlays branch from",
		Long: `promote creates the Baseline NAME from the environment ENV, which must be
Ready: its blueprint is frozen in the baseline, and from then on it cannot
change, nor can the environment be stopped or deleted while overlays depend
on it. Branch overlays off the baseline with kubectl stax branch.

Here --as is the baseline's name, not kubectl's impersonation flag: to
promote as another user, use a kubeconfig context that impersonates.`,
		Example:           "  kubectl stax promote shop --as shop-stable",
		Args:              oneEnvironment,
		ValidArgsFunction: o.completeEnvironments,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error {
				if as == "" {
					return usageError("promote needs --as NAME, the name of the baseline\nSee '%s --help'.", cmd.DisplayName())
				}
				return o.promote(cmd.Context(), args[0], as)
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "name of the baseline to create")
	return cmd
}

func (o *Options) promote(ctx context.Context, env, name string) error {
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	b := &staxv1.Baseline{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: staxv1.BaselineSpec{EnvironmentRef: staxv1.EnvironmentReference{Name: env}}}
	created, err := client.StaxV1alpha1().Baselines(ns).Create(ctx, b, metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		return failed("baseline %q already exists in namespace %q; promoting again takes a new name", name, ns)
	case apierrors.IsConflict(err):
		// The server's 409 names the phase that is not Ready.
		return failed("%s\nsee its phase with kubectl stax status %s", err.Error(), env)
	case apierrors.IsInvalid(err) && notFoundCause(err, "spec.environmentRef.name"):
		return failed("environment %q not found in namespace %q; list them with kubectl stax get", env, ns)
	case apierrors.IsInvalid(err):
		return failed("%s", causesMessage(fmt.Sprintf("baseline %q is invalid:", name), apiStatus(err)))
	case err != nil:
		return err
	}
	fmt.Fprintf(o.Out, "baseline %s/%s promoted from environment %s (%d services frozen)\n",
		ns, created.Name, env, len(created.Status.Blueprint.Services))
	return nil
}

// notFoundCause says whether a 422 holds a NotFound cause at path.
func notFoundCause(err error, path string) bool {
	s := apiStatus(err)
	if s.Details == nil {
		return false
	}
	for _, c := range s.Details.Causes {
		if c.Field == path && c.Type == metav1.CauseTypeFieldValueNotFound {
			return true
		}
	}
	return false
}
