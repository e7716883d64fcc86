package kubectlstax

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func newStatusCommand(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:               "status ENV",
		Short:             "Show an environment's phase, conditions and services (health, endpoints, restarts, messages)",
		Args:              oneEnvironment,
		ValidArgsFunction: o.completeEnvironments,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error { return o.status(cmd.Context(), args[0]) })
		},
	}
}

func (o *Options) status(ctx context.Context, name string) error {
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	env, err := client.StaxV1alpha1().Environments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return explain(err, ns, name)
	}
	printStatus(o.Out, env)
	return nil
}

// printStatus: the environment's summary, its conditions, then one row
// per service.
func printStatus(w io.Writer, env *staxv1.Environment) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Environment:\t%s/%s\n", env.Namespace, env.Name)
	if env.Spec.DisplayName != "" {
		fmt.Fprintf(tw, "Display name:\t%s\n", env.Spec.DisplayName)
	}
	fmt.Fprintf(tw, "Phase:\t%s\n", orDash(string(env.Status.Phase)))
	if env.Spec.BaselineRef != nil {
		fmt.Fprintf(tw, "Baseline:\t%s\n", env.Spec.BaselineRef.Name)
	}
	for _, t := range []struct {
		label string
		at    *metav1.Time
	}{{"Started:", env.Status.StartedAt}, {"Stopped:", env.Status.StoppedAt},
		{"Idle shutdown:", env.Status.IdleShutdownTime}, {"Expires:", env.Status.ExpirationTime}} {
		if t.at != nil {
			fmt.Fprintf(tw, "%s\t%s\n", t.label, t.at.UTC().Format(time.RFC3339))
		}
	}
	_ = tw.Flush()
	if len(env.Status.Conditions) > 0 {
		fmt.Fprintln(w, "Conditions:")
		for _, c := range env.Status.Conditions {
			fmt.Fprintln(tw, fmt.Sprintf("  %s\t%s\t%s\t%s", c.Type, c.Status, c.Reason, c.Message))
		}
		_ = tw.Flush()
	}
	fmt.Fprintln(w, "Services:")
	fmt.Fprintln(tw, "  NAME\tREADY\tHEALTH\tRESTARTS\tENDPOINT\tMESSAGE")
	for _, s := range services(env) {
		fmt.Fprintf(tw, "  %s\t%d/%d\t%s\t%d\t%s\t%s\n", s.Name, s.ReadyReplicas, s.DesiredReplicas,
			orDash(s.Health), s.Restarts, orDash(s.Endpoint), s.Message)
	}
	_ = tw.Flush()
}

// services is the status of every service of the blueprint, in its order;
// a service the controller has not reported yet shows as unknown.
func services(env *staxv1.Environment) []staxv1.ServiceStatus {
	byName := map[string]staxv1.ServiceStatus{}
	for _, s := range env.Status.Services {
		byName[s.Name] = s
	}
	out := make([]staxv1.ServiceStatus, 0, len(env.Spec.Blueprint.Services))
	for _, spec := range env.Spec.Blueprint.Services {
		s, ok := byName[spec.Name]
		if !ok {
			s = staxv1.ServiceStatus{Name: spec.Name, Message: "not reported yet"}
			if spec.Replicas != nil {
				s.DesiredReplicas = *spec.Replicas
			}
		}
		out = append(out, s)
	}
	return out
}
