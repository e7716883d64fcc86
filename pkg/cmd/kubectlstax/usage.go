package kubectlstax

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// newUsageCommand is "kubectl stax usage": GET organizations/{ns}/usage,
// the organization being the namespace of the kubeconfig or -n.
func newUsageCommand(o *Options) *cobra.Command {
	var window, by, step, output string
	cmd := &cobra.Command{
		Use:   "usage",
		Short: "Show the organization's resource-hours and cost, a forecast and savings",
		Long: `usage shows what the organization's environments (the namespace's) requested over a
window and what it cost at the organization's price sheet, grouped by environment, service,
creator or a label, with a forecast of the rest of the month and the next 30 days and what
stops, auto-shutdown and overlays saved. See docs/usage.md.`,
		Example: `  kubectl stax usage -n acme --window 7d
  kubectl stax usage -n acme --by label:team -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkReportOutput(output); err != nil {
				return err
			}
			return run(func() error { return o.usage(cmd.Context(), window, by, step, output) })
		},
	}
	cmd.Flags().StringVar(&window, "window", "", "how far back from now: 7d, 36h (default 30d)")
	cmd.Flags().StringVar(&by, "by", "", "group by environment (default), service, creator or label:KEY")
	cmd.Flags().StringVar(&step, "step", "", "add a series in steps of this length: 1d, 1h (with -o json)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml (default: a summary)")
	return cmd
}

func (o *Options) usage(ctx context.Context, window, by, step, output string) error {
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	req := client.StaxV1alpha1().RESTClient().Get().Resource("organizations").Name(ns).SubResource("usage")
	for k, v := range map[string]string{"window": window, "aggregate": by, "step": step} {
		if v != "" {
			req = req.Param(k, v)
		}
	}
	raw, err := req.Do(ctx).Raw()
	if err != nil {
		// The server's Status names the option and what it must be.
		var status metav1.Status
		if json.Unmarshal(raw, &status) == nil && status.Message != "" {
			return failed("%s", status.Message)
		}
		return explain(err, ns, "")
	}
	if done, err := writeReport(o.Out, output, raw); done {
		return err
	}
	var u staxv1.OrganizationUsage
	if err := json.Unmarshal(raw, &u); err != nil {
		return err
	}
	return printUsage(o.Out, &u)
}

// printUsage is the summary: the groups as a table, then the forecast and
// the savings.
func printUsage(out io.Writer, u *staxv1.OrganizationUsage) error {
	p := u.Pricing
	fmt.Fprintf(out, "Organization %s, %s to %s; %s per vCPU-hour, %s per GiB-hour, %s per replica-hour (%s)\n\n",
		u.Name, u.Start.UTC().Format("2006-01-02 15:04"), u.End.UTC().Format("2006-01-02 15:04"),
		p.VCPUHour, p.MemoryGiBHour, p.ReplicaHour, p.Currency)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "%s\tCPU-HOURS\tGIB-HOURS\tREPLICA-HOURS\tCOST\n", strings.ToUpper(u.Aggregate))
	row := func(key string, g staxv1.UsageGroup) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", key, g.Usage.CPUCoreHours, g.Usage.MemoryGiBHours, g.Usage.ReplicaHours, g.Cost)
	}
	for _, g := range u.Groups {
		key := g.Key
		if key == "" {
			key = "(none)"
		}
		row(key, g)
	}
	row("TOTAL", u.Total)
	if err := w.Flush(); err != nil {
		return err
	}
	f := u.Forecast
	fmt.Fprintf(out, "\nForecast (%s)\n  run rate:  rest of month %s, next 30 days %s\n", p.Currency, f.RunRate.RestOfMonth.Expected, f.RunRate.Next30Days.Expected)
	if t := f.Trend; t != nil {
		fmt.Fprintf(out, "  trend:     rest of month %s [%s, %s], next 30 days %s [%s, %s]\n             %s, from %d days",
			t.RestOfMonth.Expected, t.RestOfMonth.Low, t.RestOfMonth.High, t.Next30Days.Expected, t.Next30Days.Low, t.Next30Days.High, t.Model, t.HistoryDays)
		if b := t.BackTest; b != nil {
			fmt.Fprintf(out, "; back-test of %d days: %s%% mean absolute error, %s inside the interval", b.Days, b.MeanAbsolutePercentageError, b.Coverage)
		}
		fmt.Fprintln(out)
	} else {
		fmt.Fprintf(out, "  trend:     none: %s\n", f.Message)
	}
	s := u.Savings
	fmt.Fprintf(out, "\nSavings (%s)\n  stops and auto-shutdown %s, overlays %s\n", p.Currency, s.Stops, s.Overlays)
	for _, r := range s.Recommendations {
		fmt.Fprintf(out, "  %s: %s (saves %s over 30 days)\n", r.Environment, r.Message, r.Next30Days)
	}
	return nil
}
