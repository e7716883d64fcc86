package kubectlstax

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// shadowFlags are the settings kubectl stax shadow can set; only the
// flags given are sent, so the stored others stay.
type shadowFlags struct {
	percent     int32
	off         bool
	methods     []string
	services    []string
	allowUnsafe bool
}

func newShadowCommand(o *Options) *cobra.Command {
	var f shadowFlags
	cmd := &cobra.Command{
		Use:   "shadow ENV [--percent P] [--off] [--methods GET,HEAD] [--services api]",
		Short: "Mirror a share of the baseline's traffic to an overlay, to compare their answers (kubectl stax diffs)",
		Long: `shadow turns on (or, with --off, off) the mirroring of the baseline's traffic
to the overlay ENV: a sampled copy of each request that reaches the
baseline's version of a service the overlay changes goes to the overlay's
version too, and their answers are compared. The baseline still answers
every request. It writes environments/ENV/shadow; flags not given keep the
stored settings. Mirroring methods other than GET, HEAD, OPTIONS and TRACE
needs --allow-unsafe: a mirrored write reaches what the overlay shares with
the baseline, its database first. See docs/shadow.md.`,
		Example: `  kubectl stax shadow feature --percent 25
  kubectl stax shadow feature --methods GET,POST --allow-unsafe
  kubectl stax shadow feature --off`,
		Args:              oneEnvironment,
		ValidArgsFunction: o.completeEnvironments,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.off && (cmd.Flags().Changed("percent") || cmd.Flags().Changed("methods") || cmd.Flags().Changed("services")) {
				return usageError("--off takes no other setting\nSee '%s --help'.", cmd.DisplayName())
			}
			settings := f.settings(cmd)
			return run(func() error { return o.shadow(cmd.Context(), args[0], settings) })
		},
	}
	cmd.Flags().Int32Var(&f.percent, "percent", 0, "percent of the baseline's requests to mirror, 0-100 (default 100 when first turned on)")
	cmd.Flags().BoolVar(&f.off, "off", false, "turn mirroring off (the other settings are kept)")
	cmd.Flags().StringSliceVar(&f.methods, "methods", nil, "HTTP methods to mirror (default GET,HEAD,OPTIONS)")
	cmd.Flags().StringSliceVar(&f.services, "services", nil, "services to mirror (default: every service the overlay changes)")
	cmd.Flags().BoolVar(&f.allowUnsafe, "allow-unsafe", false, "allow methods that change state (POST, PUT, PATCH, DELETE)")
	return cmd
}

// settings is the merge patch of spec.shadow the flags ask for.
func (f *shadowFlags) settings(cmd *cobra.Command) map[string]any {
	s := map[string]any{"enabled": !f.off}
	if cmd.Flags().Changed("percent") {
		s["percent"] = f.percent
	}
	if cmd.Flags().Changed("methods") {
		upper := make([]string, len(f.methods))
		for i, m := range f.methods {
			upper[i] = strings.ToUpper(m)
		}
		s["methods"] = upper
	}
	if cmd.Flags().Changed("services") {
		s["services"] = f.services
	}
	if cmd.Flags().Changed("allow-unsafe") {
		s["allowUnsafe"] = f.allowUnsafe
	}
	return s
}

func (o *Options) shadow(ctx context.Context, name string, settings map[string]any) error {
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"spec": map[string]any{"shadow": settings}})
	if err != nil {
		return err
	}
	env := &staxv1.Environment{}
	err = client.StaxV1alpha1().RESTClient().Patch(types.MergePatchType).Namespace(ns).Resource("environments").Name(name).
		SubResource("shadow").Body(body).Do(ctx).Into(env)
	if err != nil {
		return explain(err, ns, name)
	}
	fmt.Fprintln(o.Out, describeShadow(ns, env))
	return nil
}

// describeShadow is one line: what is mirrored to the overlay, or off.
func describeShadow(ns string, env *staxv1.Environment) string {
	s := env.Spec.Shadow
	if s == nil || !s.Enabled {
		return fmt.Sprintf("shadow of %s/%s: off", ns, env.Name)
	}
	services := "every service it changes"
	if len(s.Services) > 0 {
		services = strings.Join(s.Services, ", ")
	}
	percent := int32(100)
	if s.Percent != nil {
		percent = *s.Percent
	}
	line := fmt.Sprintf("shadow of %s/%s: on, %d%% of %s to %s", ns, env.Name, percent, strings.Join(s.Methods, ", "), services)
	if s.Since != nil {
		line += ", since " + s.Since.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return line
}
