package kubectlstax

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func newStopCommand(o *Options) *cobra.Command {
	return newPauseCommand(o, "stop", "Stop an environment's services, keeping what is needed to resume it",
		staxv1.EnvironmentStopped)
}

func newResumeCommand(o *Options) *cobra.Command {
	return newPauseCommand(o, "resume", "Start a stopped environment's services again",
		staxv1.EnvironmentReady)
}

// newPauseCommand is stop or resume: a POST of an empty EnvironmentAction
// to the subresource of that name, then, with --wait, a watch until the
// environment reaches phase want.
func newPauseCommand(o *Options, verb, short string, want staxv1.EnvironmentPhase) *cobra.Command {
	var (
		wait    bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:               verb + " ENV",
		Short:             short,
		Args:              oneEnvironment,
		ValidArgsFunction: o.completeEnvironments,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error { return o.pause(cmd.Context(), verb, args[0], want, wait, timeout) })
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, fmt.Sprintf("wait until the environment is %s", want))
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long --wait waits")
	return cmd
}

func (o *Options) pause(ctx context.Context, verb, name string, want staxv1.EnvironmentPhase, wait bool, timeout time.Duration) error {
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	action := &staxv1.EnvironmentAction{TypeMeta: metav1.TypeMeta{
		APIVersion: staxv1.SchemeGroupVersion.String(), Kind: "EnvironmentAction"}}
	env := &staxv1.Environment{}
	err = client.StaxV1alpha1().RESTClient().Post().Namespace(ns).Resource("environments").Name(name).
		SubResource(verb).Body(action).Do(ctx).Into(env)
	if apierrors.IsConflict(err) {
		// The server's 409 says why (already stopped, not stopped, being deleted).
		return failed("%s", conflictMessage(err, verb, name))
	}
	if err != nil {
		return explain(err, ns, name)
	}
	fmt.Fprintf(o.Out, "environment %s/%s: %s requested\n", ns, name, verb)
	if !wait {
		return nil
	}
	view := newProgress(o.Out, false)
	return watchEnvironment(ctx, client, ns, name, timeout, func(env *staxv1.Environment) (bool, error) {
		if env == nil {
			return false, failed("environment %q was deleted", name)
		}
		view.show(env)
		if env.Status.ObservedGeneration < env.Generation {
			return false, nil
		}
		if want == staxv1.EnvironmentReady && (env.Status.Phase == staxv1.EnvironmentDegraded || env.Status.Phase == staxv1.EnvironmentFailed) {
			return false, failed("environment %q is %s: %s", name, env.Status.Phase, readyMessage(env))
		}
		return env.Status.Phase == want, nil
	})
}

// conflictMessage is the server's message with a hint of what to do.
func conflictMessage(err error, verb, name string) string {
	msg := err.Error()
	if verb == "stop" {
		return msg + fmt.Sprintf("\nresume it with kubectl stax resume %s", name)
	}
	return msg + fmt.Sprintf("\nsee its phase with kubectl stax status %s", name)
}
