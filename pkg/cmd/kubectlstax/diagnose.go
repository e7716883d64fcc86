package kubectlstax

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func newDiagnoseCommand(o *Options) *cobra.Command {
	var spec staxv1.DiagnosisSpec
	cmd := &cobra.Command{
		Use:   "diagnose ENV",
		Short: "Find why an environment is not Ready: findings with their evidence, root causes first; --fix applies the safe remediations",
		Example: `  kubectl stax diagnose shop
  kubectl stax diagnose shop --fix --dry-run   # what --fix would change
  kubectl stax diagnose shop --fix`,
		Args:              oneEnvironment,
		ValidArgsFunction: o.completeEnvironments,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error { return o.diagnose(cmd.Context(), args[0], spec) })
		},
	}
	cmd.Flags().BoolVar(&spec.Remediate, "fix", false, "apply the safe remediations (restart, roll back to the last Ready blueprint, resume, raise a memory limit)")
	cmd.Flags().BoolVar(&spec.DryRun, "dry-run", false, "with --fix: say what would change, changing nothing")
	cmd.Flags().BoolVar(&spec.Explain, "explain", false, "ask the server's assistant, if it has one, to explain the findings")
	return cmd
}

func (o *Options) diagnose(ctx context.Context, name string, spec staxv1.DiagnosisSpec) error {
	if spec.DryRun && !spec.Remediate {
		return failed("--dry-run needs --fix")
	}
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	req := &staxv1.Diagnosis{TypeMeta: metav1.TypeMeta{APIVersion: staxv1.SchemeGroupVersion.String(), Kind: "Diagnosis"}, Spec: spec}
	d := &staxv1.Diagnosis{}
	err = client.StaxV1alpha1().RESTClient().Post().Namespace(ns).Resource("environments").Name(name).
		SubResource("diagnose").Body(req).Do(ctx).Into(d)
	if err != nil {
		return explain(err, ns, name)
	}
	printDiagnosis(o.Out, ns, name, d)
	return nil
}

// printDiagnosis: root causes first, each finding with its evidence and
// remedy, then what --fix changed.
func printDiagnosis(w io.Writer, ns, name string, d *staxv1.Diagnosis) {
	st := d.Status
	fmt.Fprintf(w, "Environment %s/%s: phase %s\n", ns, name, orDash(string(st.Phase)))
	if len(st.Findings) == 0 {
		fmt.Fprintln(w, "No problems found.")
	} else {
		fmt.Fprintf(w, "Root causes: %s\n", orDash(strings.Join(st.RootCauses, ", ")))
	}
	for _, f := range st.Findings {
		where := f.Service
		if where == "" {
			where = "environment"
		}
		fmt.Fprintf(w, "\n%s %s: %s\n", f.Severity, where, f.Analyzer)
		fmt.Fprintf(w, "  Cause: %s\n", f.Cause)
		if f.Symptom {
			fmt.Fprintf(w, "  A symptom of: %s\n", f.RootCause)
		}
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "  | %s\n", e)
		}
		fmt.Fprintf(w, "  Remedy (%s): %s\n", f.Remediation.Action, f.Remediation.Description)
	}
	if len(st.Remediations) > 0 {
		fmt.Fprintln(w, "\nRemediations:")
		for _, r := range st.Remediations {
			fmt.Fprintf(w, "  %s %s %s: %s\n", r.Result, r.Action, orDash(r.Service), r.Message)
		}
	}
	if st.Explanation != "" {
		fmt.Fprintf(w, "\nExplanation:\n%s\n", st.Explanation)
	}
	if st.AssistantError != "" {
		fmt.Fprintf(w, "\nNo explanation: %s\n", st.AssistantError)
	}
}
