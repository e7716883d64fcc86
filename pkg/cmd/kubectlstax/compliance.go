package kubectlstax

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// newComplianceCommand is "kubectl stax compliance": GET
// organizations/{ns}/compliancereport, the organization being the
// namespace of the kubeconfig or -n.
func newComplianceCommand(o *Options) *cobra.Command {
	var window, output string
	cmd := &cobra.Command{
		Use:   "compliance",
		Short: "Show the organization's compliance report: each control's figure, threshold and failing objects",
		Long: `compliance shows the organization's (the namespace's) controls: the share of its requests
whose token's two signatures verified, its audit coverage, and its environments with an owner,
with auto-shutdown or a time-to-live, with images pinned by digest and free of drift; each with
its figure against its threshold and the objects that fail it. See docs/compliance.md.`,
		Example: `  kubectl stax compliance -n acme
  kubectl stax compliance -n acme --window 1d -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkReportOutput(output); err != nil {
				return err
			}
			return run(func() error { return o.compliance(cmd.Context(), window, output) })
		},
	}
	cmd.Flags().StringVar(&window, "window", "", "how far back the request counters are read: 1d, 36h (default 7d, at most 31d)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml (default: a summary)")
	return cmd
}

func (o *Options) compliance(ctx context.Context, window, output string) error {
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	req := client.StaxV1alpha1().RESTClient().Get().Resource("organizations").Name(ns).SubResource("compliancereport")
	if window != "" {
		req = req.Param("window", window)
	}
	raw, err := req.Do(ctx).Raw()
	if err != nil {
		var status metav1.Status
		if json.Unmarshal(raw, &status) == nil && status.Message != "" {
			return failed("%s", status.Message)
		}
		return explain(err, ns, "")
	}
	if done, err := writeReport(o.Out, output, raw); done {
		return err
	}
	var r staxv1.ComplianceReport
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	return printCompliance(o.Out, &r)
}

// printCompliance is the summary: the controls as a table, then what fails
// each failing control and why.
func printCompliance(out io.Writer, r *staxv1.ComplianceReport) error {
	fmt.Fprintf(out, "Organization %s, requests from %s to %s: %d controls pass, %d fail\n\n", r.Name,
		r.Start.UTC().Format("2006-01-02 15:04"), r.End.UTC().Format("2006-01-02 15:04"), r.Passed, r.Failed)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CONTROL\tRESULT\tFIGURE\tTHRESHOLD\tCOMPLIANT")
	for _, c := range r.Controls {
		figure := c.Figure
		if figure == "" {
			figure = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d/%d\n", c.Name, c.Result, figure, c.Threshold, c.Compliant, c.Total)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, c := range r.Controls {
		if len(c.Failing) == 0 && c.Message == "" {
			continue
		}
		fmt.Fprintf(out, "\n%s", c.Name)
		if c.Message != "" {
			fmt.Fprintf(out, ": %s", c.Message)
		}
		fmt.Fprintln(out)
		for _, f := range c.Failing {
			fmt.Fprintf(out, "  %s %s: %s\n", f.Kind, f.Name, f.Reason)
		}
		if more := c.FailingTotal - int64(len(c.Failing)); more > 0 {
			fmt.Fprintf(out, "  … and %d more\n", more)
		}
	}
	return nil
}
