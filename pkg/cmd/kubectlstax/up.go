package kubectlstax

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func newUpCommand(o *Options) *cobra.Command {
	var (
		file           string
		wait           bool
		timeout        time.Duration
		forceConflicts bool
	)
	cmd := &cobra.Command{
		Use:   "up -f BLUEPRINT",
		Short: "Create or update an environment (server-side apply) and show its services until it is Ready",
		Long: `up applies the Environment of BLUEPRINT with server-side apply (field manager
"kubectl-stax") and then, unless --wait=false, shows each service (ready
replicas, health, restarts, message) until the environment is Ready (exit 0),
Degraded, Failed or Stopped (exit 1), or --timeout passes (exit 3).

On a terminal the view is redrawn in place; otherwise one line is printed
per change.`,
		Example: "  kubectl stax up -f examples/demo.yaml\n  kubectl stax up -f env.yaml --timeout 10m",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error {
				if file == "" {
					return usageError("up needs -f BLUEPRINT (a file, or - for stdin)")
				}
				return o.up(cmd.Context(), file, wait, timeout, forceConflicts)
			})
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "the Environment to apply (YAML or JSON; - reads stdin)")
	cmd.Flags().BoolVar(&wait, "wait", true, "show the services until the environment is Ready, Degraded, Failed or Stopped")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long --wait waits")
	cmd.Flags().BoolVar(&forceConflicts, "force-conflicts", false, "take over fields another field manager owns")
	return cmd
}

func (o *Options) up(ctx context.Context, file string, wait bool, timeout time.Duration, forceConflicts bool) error {
	m, err := readManifest(file, o.In)
	if err != nil {
		return err
	}
	ns, err := o.namespace()
	if err != nil {
		return err
	}
	if m.Namespace != "" && m.Namespace != ns && *o.Flags.Namespace != "" {
		return usageError("the blueprint's namespace %q does not match -n %q", m.Namespace, ns)
	}
	if m.Namespace != "" {
		ns = m.Namespace
	}
	client, err := o.client()
	if err != nil {
		return err
	}
	applied, err := client.StaxV1alpha1().Environments(ns).Patch(ctx, m.Name, types.ApplyPatchType, m.JSON,
		// Strict, as kubectl apply: an unknown or duplicate field is refused
		// by name rather than dropped.
		metav1.PatchOptions{FieldManager: FieldManager, Force: ptr.To(forceConflicts), FieldValidation: metav1.FieldValidationStrict})
	if err != nil {
		return explain(err, ns, m.Name)
	}
	fmt.Fprintf(o.ErrOut, "environment %s/%s applied (generation %d)\n", ns, m.Name, applied.Generation)
	if !wait {
		return nil
	}
	view := newProgress(o.Out, isTerminal(o.Out))
	return watchEnvironment(ctx, client, ns, m.Name, timeout, func(env *staxv1.Environment) (bool, error) {
		if env == nil {
			return false, failed("environment %q was deleted", m.Name)
		}
		view.show(env)
		return upDone(env)
	})
}

// upDone says whether up's wait is over: only a phase the controller set
// for the applied generation counts, so an update does not end on the
// previous spec's Ready.
func upDone(env *staxv1.Environment) (bool, error) {
	if env.DeletionTimestamp != nil {
		return false, failed("environment %q is being deleted", env.Name)
	}
	if env.Status.ObservedGeneration < env.Generation {
		return false, nil
	}
	switch env.Status.Phase {
	case staxv1.EnvironmentReady:
		return true, nil
	case staxv1.EnvironmentDegraded, staxv1.EnvironmentFailed:
		return false, failed("environment %q is %s: %s", env.Name, env.Status.Phase, readyMessage(env))
	case staxv1.EnvironmentStopped, staxv1.EnvironmentStopping:
		return false, failed("environment %q is stopped; start it with kubectl stax resume %s", env.Name, env.Name)
	}
	return false, nil
}
