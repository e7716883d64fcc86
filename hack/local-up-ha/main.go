// Command local-up-ha runs the HA topology of test/e2e/hacluster on this
// machine until interrupted: three etcd members, three stax-apiservers
// sharing one serving certificate, HAProxy in TCP passthrough in front.
// hack/local-up-ha.sh builds everything and starts it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/microstax/stax/test/e2e/hacluster"
)

func main() {
	dir := flag.String("dir", "_output/local-up-ha", "Directory for certificates, etcd data and logs; emptied first.")
	tools := flag.String("tools-bin", "_output/tools/bin", "Directory with etcd (hack/build-tools.sh).")
	stax := flag.String("stax-apiserver", "_output/bin/stax-apiserver", "The stax-apiserver binary.")
	replicas := flag.Int("apiservers", 3, "How many stax-apiservers run behind HAProxy.")
	flag.Parse()
	if err := run(*dir, *tools, *stax, *replicas, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "local-up-ha:", err)
		os.Exit(1)
	}
}

func run(dir, tools, stax string, replicas int, staxArgs []string) error {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	// A fresh start each time: old certificates and data would not match.
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(staxArgs) == 0 {
		staxArgs = []string{"--runtime=none", "--controllers="}
	}
	t, err := hacluster.Start(ctx, hacluster.Config{
		Dir:           abs(dir),
		ToolsBin:      abs(tools),
		APIServers:    replicas,
		ExtraStaxArgs: staxArgs,
		StaxCommand:   func(args ...string) *exec.Cmd { return exec.Command(abs(stax), args...) },
	})
	if err != nil {
		return err
	}
	defer t.Stop()
	kubeconfig := filepath.Join(abs(dir), "admin.kubeconfig")
	if err := t.WriteKubeconfig(kubeconfig); err != nil {
		return err
	}
	fmt.Printf(`HA topology is up; Ctrl-C stops it.

  etcd members     %s
  stax-apiservers  %s (%s)
  HAProxy          %s (TCP passthrough, checks /readyz)
  logs             %s

  export KUBECONFIG=%s
  kubectl apply -n acme -f examples/shop.yaml
  kill -9 <pid of a stax-apiserver or an etcd member>, and go on
`, strings.Join(t.EtcdURLs, " "), strings.Join(t.APIServerURLs, " "), strings.Join(staxArgs, " "), t.URL,
		filepath.Join(abs(dir), "logs"), kubeconfig)
	for _, p := range t.Processes() {
		fmt.Printf("  %-16s pid %d\n", p.Name, p.Pid())
	}
	select {
	case <-ctx.Done():
	case p := <-t.Exited():
		// A killed member is the point of the exercise: say so, keep going
		// until Ctrl-C.
		fmt.Fprintf(os.Stderr, "%s ended; see %s\n", p.Name, p.Log)
		<-ctx.Done()
	}
	return nil
}
