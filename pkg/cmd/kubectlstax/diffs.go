package kubectlstax

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

type diffsFlags struct {
	endpoint, since, output string
	limit                   int64
}

func newDiffsCommand(o *Options) *cobra.Command {
	var f diffsFlags
	cmd := &cobra.Command{
		Use:   "diffs ENV [--endpoint E] [--since 15m] [--limit N]",
		Short: "Show how an overlay answers differently from its baseline: per endpoint and field, differences against noise",
		Long: `diffs reads environments/ENV/diffs: for each endpoint of the mirrored traffic,
the requests compared and, per field that ever differed, how often the
overlay's answer differed from the baseline's (raw) against how often two
instances of the baseline's version differed (noise), the verdict
(Difference, Noise, Equal) and a few examples. Endpoints with a Difference
come first. See docs/shadow.md.`,
		Example: `  kubectl stax diffs feature
  kubectl stax diffs feature --endpoint 'GET /users/{id}'
  kubectl stax diffs feature --since 15m -o yaml`,
		Args:              oneEnvironment,
		ValidArgsFunction: o.completeEnvironments,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkReportOutput(f.output); err != nil {
				return err
			}
			if f.since != "" {
				if _, err := time.ParseDuration(f.since); err != nil {
					if _, err := time.Parse(time.RFC3339, f.since); err != nil {
						return usageError("--since %q: want a duration (15m) or an RFC 3339 time", f.since)
					}
				}
			}
			if cmd.Flags().Changed("limit") && f.limit < 1 {
				return usageError("--limit must be at least 1")
			}
			return run(func() error { return o.diffs(cmd.Context(), args[0], f) })
		},
	}
	cmd.Flags().StringVar(&f.endpoint, "endpoint", "", `one endpoint, as the report names it ("GET /users/{id}")`)
	cmd.Flags().StringVar(&f.since, "since", "", "only endpoints compared since: a duration back from now (15m) or an RFC 3339 time")
	cmd.Flags().Int64Var(&f.limit, "limit", 0, "at most this many endpoints, those with a difference first")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "output format: json or yaml (default: a report)")
	return cmd
}

func (o *Options) diffs(ctx context.Context, name string, f diffsFlags) error {
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	req := client.StaxV1alpha1().RESTClient().Get().Namespace(ns).Resource("environments").Name(name).SubResource("diffs")
	if f.endpoint != "" {
		req = req.Param("endpoint", f.endpoint)
	}
	if f.since != "" {
		since := f.since
		if d, err := time.ParseDuration(since); err == nil {
			since = time.Now().Add(-d).UTC().Format(time.RFC3339)
		}
		req = req.Param("since", since)
	}
	if f.limit > 0 {
		req = req.Param("limit", strconv.FormatInt(f.limit, 10))
	}
	d := &staxv1.EnvironmentDiff{}
	if err := req.Do(ctx).Into(d); err != nil {
		if s := apiStatus(err); s.Reason == "BadRequest" {
			return failed("%s", s.Message) // not an overlay, bad options: the server says which
		}
		return explain(err, ns, name)
	}
	if f.output != "" {
		d.APIVersion, d.Kind = staxv1.SchemeGroupVersion.String(), "EnvironmentDiff"
		raw, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return err
		}
		_, err = writeReport(o.Out, f.output, raw)
		return err
	}
	return printDiffs(o.Out, ns, name, d)
}

// printDiffs is the report: a block per endpoint, its fields as a table
// of counts against noise, each field's examples under it.
func printDiffs(out io.Writer, ns, name string, d *staxv1.EnvironmentDiff) error {
	r := d.Report
	if len(r.Endpoints) == 0 {
		fmt.Fprintf(out, "No diffs of overlay %s/%s: no mirrored request has been compared", ns, name)
		if r.Updated != nil {
			fmt.Fprintf(out, " that matches (last compared %s)", r.Updated.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(out, ".\nMirror its baseline's traffic with kubectl stax shadow %s --percent 10\n", name)
		return nil
	}
	fmt.Fprintf(out, "Diffs of overlay %s/%s against its baseline", ns, name)
	if r.Since != nil && r.Updated != nil {
		fmt.Fprintf(out, ", %s to %s", r.Since.UTC().Format(time.RFC3339), r.Updated.UTC().Format(time.RFC3339))
	}
	fmt.Fprintln(out)
	for _, e := range r.Endpoints {
		differences := 0
		for _, f := range e.Fields {
			if f.Verdict == "Difference" {
				differences++
			}
		}
		fmt.Fprintf(out, "\n%s: %d requests, %d fields differ\n", e.Endpoint, e.Requests, differences)
		if len(e.Fields) == 0 {
			continue
		}
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "  FIELD\tVERDICT\tRAW\tNOISE\tKIND")
		for _, f := range e.Fields {
			fmt.Fprintf(w, "  %s\t%s\t%d (%s)\t%d (%s)\t%s\n", f.Field, f.Verdict, f.Raw, percentOf(f.RawRate), f.Noise, percentOf(f.NoiseRate), orDash(f.Kind))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		for _, f := range e.Fields {
			if f.Verdict != "Difference" {
				continue
			}
			for _, ex := range f.Examples {
				fmt.Fprintf(out, "    %s at %s: baseline %s, overlay %s\n", f.Field, ex.Request, orDash(ex.Primary), orDash(ex.Candidate))
			}
		}
	}
	return nil
}

// percentOf shows a rate ("0.2500") as a percentage ("25.0%").
func percentOf(rate string) string {
	f, err := strconv.ParseFloat(rate, 64)
	if err != nil {
		return rate
	}
	return strings.TrimSuffix(strconv.FormatFloat(f*100, 'f', 1, 64), ".0") + "%"
}
