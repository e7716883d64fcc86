package kubectlstax

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func newDeleteCommand(o *Options) *cobra.Command {
	var (
		wait    bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:               "delete ENV",
		Short:             "Delete an environment; its services are torn down and a record is kept",
		Args:              oneEnvironment,
		ValidArgsFunction: o.completeEnvironments,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error { return o.delete(cmd.Context(), args[0], wait, timeout) })
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the environment is gone (its teardown done)")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long --wait waits")
	return cmd
}

func (o *Options) delete(ctx context.Context, name string, wait bool, timeout time.Duration) error {
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	if err := client.StaxV1alpha1().Environments(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		return explain(err, ns, name)
	}
	fmt.Fprintf(o.Out, "environment %s/%s deleted\n", ns, name)
	if !wait {
		return nil
	}
	// The teardown finalizer keeps it until its services are gone.
	err = watchEnvironment(ctx, client, ns, name, timeout, func(env *staxv1.Environment) (bool, error) {
		return env == nil, nil
	})
	if err == nil {
		fmt.Fprintf(o.Out, "environment %s/%s is gone\n", ns, name)
	}
	return err
}
