package kubectlstax

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// logColours are the ANSI foreground colours of service prefixes.
var logColours = []int{32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96}

func newLogsCommand(o *Options) *cobra.Command {
	var (
		service string
		replica int64
		follow  bool
		tail    int64
		since   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "logs ENV",
		Short: "Print (or follow) the output of an environment's services",
		Long: `logs reads the environment's log subresource. Lines of several replicas are
prefixed with "<service>-<replica>", coloured per service on a terminal.`,
		Example: `  kubectl stax logs demo
  kubectl stax logs demo -s api -f --tail 10
  kubectl stax logs demo -s api -r 1 --since 5m`,
		Args:              oneEnvironment,
		ValidArgsFunction: o.completeEnvironments,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error {
				if replica >= 0 && service == "" {
					return usageError("--replica needs --service")
				}
				params := map[string]string{}
				if service != "" {
					params["service"] = service
				}
				if replica >= 0 {
					params["replica"] = strconv.FormatInt(replica, 10)
				}
				if tail >= 0 {
					params["tailLines"] = strconv.FormatInt(tail, 10)
				}
				if since > 0 {
					params["sinceSeconds"] = strconv.FormatInt(int64(math.Ceil(since.Seconds())), 10)
				}
				if follow {
					params["follow"] = "true"
				}
				return o.logs(cmd.Context(), args[0], params)
			})
		},
	}
	cmd.Flags().StringVarP(&service, "service", "s", "", "only this service")
	cmd.Flags().Int64VarP(&replica, "replica", "r", -1, "only this replica of --service (0-based)")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines until interrupted")
	cmd.Flags().Int64Var(&tail, "tail", -1, "print only the last N lines (-1: all)")
	cmd.Flags().DurationVar(&since, "since", 0, "print only lines newer than this (e.g. 5m)")
	return cmd
}

// logs streams GET environments/NAME/log with params (the query names of
// EnvironmentLogOptions: service, replica, tailLines, sinceSeconds, follow).
func (o *Options) logs(ctx context.Context, name string, params map[string]string) error {
	client, ns, err := o.clientIn()
	if err != nil {
		return err
	}
	req := client.StaxV1alpha1().RESTClient().Get().Namespace(ns).Resource("environments").Name(name).SubResource("log")
	for k, v := range params {
		req = req.Param(k, v)
	}
	// A refusal (unknown service, bad option) comes back as the server's
	// Status, naming the option.
	stream, err := req.Stream(ctx)
	if err != nil {
		return explain(err, ns, name)
	}
	defer stream.Close()
	if !isTerminal(o.Out) {
		_, err = io.Copy(o.Out, stream)
		return err
	}
	sc := bufio.NewScanner(stream)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fmt.Fprintln(o.Out, colourPrefix(sc.Text()))
	}
	return sc.Err()
}

// colourPrefix colours a line's "<service>-<replica>" prefix (the first
// word, when it has that form) by service; other lines are unchanged.
func colourPrefix(line string) string {
	label, rest, ok := strings.Cut(line, " ")
	if !ok {
		return line
	}
	i := strings.LastIndexByte(label, '-')
	if i <= 0 {
		return line
	}
	if _, err := strconv.Atoi(label[i+1:]); err != nil {
		return line
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(label[:i]))
	return fmt.Sprintf("\x1b[%dm%s\x1b[0m %s", logColours[h.Sum32()%uint32(len(logColours))], label, rest)
}
