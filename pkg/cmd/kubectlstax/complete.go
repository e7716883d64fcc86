package kubectlstax

import (
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// completeEnvironments completes an ENV argument with the names of the
// namespace's environments (the -n and kubeconfig flags already parsed).
func (o *Options) completeEnvironments(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	client, ns, err := o.clientIn()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	list, err := client.StaxV1alpha1().Environments(ns).List(cmd.Context(), metav1.ListOptions{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var names []cobra.Completion
	for _, env := range list.Items {
		if strings.HasPrefix(env.Name, toComplete) {
			names = append(names, cobra.CompletionWithDesc(env.Name, string(env.Status.Phase)))
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
