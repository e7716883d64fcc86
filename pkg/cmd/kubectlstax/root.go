// Package kubectlstax is the "kubectl stax" plugin: the lifecycle of
// MicroStax environments (up, status, get, stop, resume, delete, logs),
// tokens, baselines and overlays (promote, branch, shadow, diffs), through the generated
// clientset. One file per command; the command binaries are
// cmd/kubectl-stax and cmd/kubectl_complete-stax.
package kubectlstax

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// FieldManager is the field manager of every server-side apply.
const FieldManager = "kubectl-stax"

// Options are what every command shares: the kubeconfig flags and the
// streams.
type Options struct {
	Flags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
}

// NewCommand is the root command, "kubectl stax".
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{Flags: genericclioptions.NewConfigFlags(true), IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "kubectl-stax",
		Short: "Manage MicroStax environments: up, status, get, stop, resume, delete, logs, tokens, promote, branch, shadow, diffs",
		Long: `kubectl stax drives MicroStax environments (stax.microstax.ai/v1alpha1) through the
cluster of your kubeconfig.

Exit codes: 0 done, 1 failed or Degraded, 2 usage, 3 timed out.`,
		// Shown as "kubectl stax ..." in help, as kubectl runs it.
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl stax"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	addConfigFlags(o.Flags, cmd.PersistentFlags())
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v\nSee '%s --help'.", err, c.DisplayName())
	})
	cmd.AddCommand(
		newUpCommand(o),
		newStatusCommand(o),
		newGetCommand(o),
		newStopCommand(o),
		newResumeCommand(o),
		newDeleteCommand(o),
		newLogsCommand(o),
		newDiagnoseCommand(o),
		newTokenCommand(o),
		newPromoteCommand(o),
		newBranchCommand(o),
		newUsageCommand(o),
		newComplianceCommand(o),
		newShadowCommand(o),
		newDiffsCommand(o),
	)
	return cmd
}

// addConfigFlags adds every kubeconfig flag (kubectl's own set: context,
// cluster, user, namespace, impersonation, TLS, token, ...) as a persistent
// flag. --server loses its -s shorthand: in kubectl stax -s is logs'
// --service.
func addConfigFlags(cf *genericclioptions.ConfigFlags, to *pflag.FlagSet) {
	fs := pflag.NewFlagSet("kubeconfig", pflag.ContinueOnError)
	cf.AddFlags(fs)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "server" {
			f.Shorthand = ""
		}
		to.AddFlag(f)
	})
}

// Main runs the root command on the process's streams and arguments and
// returns the exit code.
func Main(args []string) int {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	cmd := NewCommand(streams)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err != nil {
		fmt.Fprintf(streams.ErrOut, "error: %v\n", err)
	}
	return CodeOf(err)
}

// CompleteMain is Main for the kubectl_complete-stax executable. kubectl
// (1.26 and later) completes "kubectl stax ARGS" by running
// "kubectl_complete-stax ARGS", without cobra's hidden __complete command,
// so it is added here; arguments that already start with it are kept, so
// "kubectl_complete-stax __complete ARGS" answers the same.
func CompleteMain(args []string) int {
	if len(args) == 0 || (args[0] != cobra.ShellCompRequestCmd && args[0] != cobra.ShellCompNoDescRequestCmd) {
		args = append([]string{cobra.ShellCompRequestCmd}, args...)
	}
	return Main(args)
}

// client is the generated clientset for the kubeconfig flags.
func (o *Options) client() (versioned.Interface, error) {
	cfg, err := o.Flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return versioned.NewForConfig(cfg)
}

// clientIn is the clientset and the namespace a command acts in.
func (o *Options) clientIn() (versioned.Interface, string, error) {
	ns, err := o.namespace()
	if err != nil {
		return nil, "", err
	}
	client, err := o.client()
	return client, ns, err
}

// namespace is -n, else the kubeconfig context's namespace, else default.
func (o *Options) namespace() (string, error) {
	ns, _, err := o.Flags.ToRawKubeConfigLoader().Namespace()
	return ns, err
}

// isTerminal says whether w is a terminal: only then the live view redraws
// in place and log prefixes are coloured.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is w's width in columns if it is a terminal, else 0.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

// oneEnvironment accepts exactly one argument, the environment's name.
func oneEnvironment(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageError("%s takes one environment name, got %d arguments\nSee '%s --help'.", cmd.Name(), len(args), cmd.DisplayName())
	}
	return nil
}
