package kubectlstax

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func newBranchCommand(o *Options) *cobra.Command {
	var (
		sets, envs, replicas []string
		wait                 bool
		timeout              time.Duration
	)
	cmd := &cobra.Command{
		Use:   "branch BASELINE NAME [--set SERVICE.image=IMAGE] [--env SERVICE.KEY=VALUE] [--replicas SERVICE=N] [--wait]",
		Short: "Create an overlay environment from a baseline: it runs only the services it changes",
		Long: `branch creates the Environment NAME as an overlay of the baseline BASELINE
(POST baselines/BASELINE/overlays). Each service named by a flag is the
baseline's service with the changes merged over it: --set SERVICE.image
replaces its image, --env SERVICE.KEY=VALUE sets one variable (the others
stay), --replicas SERVICE=N its replica count. The overlay runs only these
services; the rest of its topology is the baseline's.

With --wait, the services are shown until the overlay is Ready (exit 0),
Degraded, Failed or Stopped (exit 1), or --timeout passes (exit 3).`,
		Example: `  kubectl stax branch shop-stable feature-a --set api.image=api:pr-42
  kubectl stax branch shop-stable feature-b --env api.FEATURE_CHECKOUT=on --replicas api=2 --wait`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError("branch takes a baseline and the overlay's name, got %d arguments\nSee '%s --help'.", len(args), cmd.DisplayName())
			}
			return nil
		},
		ValidArgsFunction: o.completeBaselines,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error {
				changes, err := serviceChanges(sets, envs, replicas)
				if err != nil {
					return err
				}
				return o.branch(cmd.Context(), args[0], args[1], changes, wait, timeout)
			})
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "SERVICE.image=IMAGE: the service's new image; SERVICE.stub=STUB: the service a stub of that Stub (repeatable)")
	cmd.Flags().StringArrayVar(&envs, "env", nil, "SERVICE.KEY=VALUE: set one variable of the service (repeatable)")
	cmd.Flags().StringArrayVar(&replicas, "replicas", nil, "SERVICE=N: the service's replica count (repeatable)")
	cmd.Flags().BoolVar(&wait, "wait", false, "show the services until the overlay is Ready, Degraded, Failed or Stopped")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long --wait waits")
	return cmd
}

// serviceChanges turns the flags into one change per service, in the
// order services are first named. Malformed flags are usage errors (2);
// what the server refuses of a well-formed change is its 422.
func serviceChanges(sets, envs, replicas []string) ([]staxv1.ServiceChange, error) {
	var changes []staxv1.ServiceChange
	change := func(service string) *staxv1.ServiceChange {
		i := slices.IndexFunc(changes, func(c staxv1.ServiceChange) bool { return c.Name == service })
		if i < 0 {
			changes = append(changes, staxv1.ServiceChange{Name: service})
			i = len(changes) - 1
		}
		return &changes[i]
	}
	for _, s := range sets {
		service, field, value, ok := dotted(s)
		if !ok {
			return nil, usageError("--set %q: want SERVICE.image=IMAGE or SERVICE.stub=STUB", s)
		}
		switch field {
		case "image":
			change(service).Image = value
		case "stub":
			change(service).Stub = &staxv1.StubServiceSource{Name: value}
		default:
			return nil, usageError("--set %q: only SERVICE.image and SERVICE.stub can be set; use --env and --replicas for the rest", s)
		}
	}
	for _, e := range envs {
		service, key, value, ok := dotted(e)
		if !ok {
			return nil, usageError("--env %q: want SERVICE.KEY=VALUE", e)
		}
		c := change(service)
		c.Env = append(c.Env, staxv1.EnvVar{Name: key, Value: value})
	}
	for _, r := range replicas {
		service, count, ok := strings.Cut(r, "=")
		n, err := strconv.ParseInt(count, 10, 32)
		if !ok || service == "" || err != nil || n < 0 {
			return nil, usageError("--replicas %q: want SERVICE=N, N a whole number", r)
		}
		c := change(service)
		c.Replicas = new(int32)
		*c.Replicas = int32(n)
	}
	if len(changes) == 0 {
		return nil, usageError("branch needs at least one change: --set SERVICE.image=IMAGE, --set SERVICE.stub=STUB, --env SERVICE.KEY=VALUE or --replicas SERVICE=N")
	}
	return changes, nil
}

// dotted splits SERVICE.KEY=VALUE (a service name has no dot; the value
// may hold anything).
func dotted(s string) (service, key, value string, ok bool) {
	left, value, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", "", false
	}
	service, key, ok = strings.Cut(left, ".")
	return service, key, value, ok && service != "" && key != ""
}

func (o *Options) branch(ctx context.Context, baseline, name string, changes []staxv1.ServiceChange, wait bool, timeout time.Duration) error {
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	req := &staxv1.OverlayRequest{
		TypeMeta: metav1.TypeMeta{APIVersion: staxv1.SchemeGroupVersion.String(), Kind: "OverlayRequest"},
		Spec:     staxv1.OverlayRequestSpec{Name: name, Services: changes},
	}
	env, err := client.StaxV1alpha1().Baselines(ns).CreateOverlay(ctx, baseline, req, metav1.CreateOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return failed("baseline %q not found in namespace %q; list them with kubectl get baselines", baseline, ns)
	case apierrors.IsAlreadyExists(err):
		return failed("environment %q already exists in namespace %q; branch under another name", name, ns)
	case apierrors.IsInvalid(err):
		return failed("%s", causesMessage(fmt.Sprintf("overlay %q of baseline %q is refused:", name, baseline), apiStatus(err)))
	case apierrors.IsConflict(err):
		return failed("%s", err.Error())
	case err != nil:
		return err
	}
	var own []string
	for _, s := range env.Spec.Blueprint.Services {
		own = append(own, s.Name)
	}
	fmt.Fprintf(o.ErrOut, "environment %s/%s created from baseline %s (its own services: %s)\n",
		ns, env.Name, baseline, strings.Join(own, ", "))
	if !wait {
		return nil
	}
	view := newProgress(o.Out, isTerminal(o.Out))
	return watchEnvironment(ctx, client, ns, name, timeout, func(env *staxv1.Environment) (bool, error) {
		if env == nil {
			return false, failed("environment %q was deleted", name)
		}
		view.show(env)
		return upDone(env)
	})
}

// completeBaselines completes the BASELINE argument with the namespace's
// baselines.
func (o *Options) completeBaselines(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	client, ns, err := o.clientIn()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	list, err := client.StaxV1alpha1().Baselines(ns).List(cmd.Context(), metav1.ListOptions{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var names []cobra.Completion
	for _, b := range list.Items {
		if strings.HasPrefix(b.Name, toComplete) {
			names = append(names, cobra.CompletionWithDesc(b.Name, "of "+b.Spec.EnvironmentRef.Name))
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
