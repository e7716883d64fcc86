// Command local-up-aggregated runs etcd, kube-apiserver and stax-apiserver
// (aggregated) on this machine until interrupted; see
// hack/local-up-aggregated.sh, which builds everything and starts it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/microstax/stax/test/e2e/cluster"
)

func main() {
	dir := flag.String("dir", "_output/local-up", "Directory for certificates, kubeconfigs, etcd data and logs; emptied first.")
	tools := flag.String("tools-bin", "_output/tools/bin", "Directory with etcd and kube-apiserver (hack/build-tools.sh).")
	stax := flag.String("stax-apiserver", "_output/bin/stax-apiserver", "The stax-apiserver binary.")
	artifacts := flag.String("artifacts", "artifacts/aggregated", "The manifests to apply.")
	kubectl := flag.String("kubectl", "kubectl", "The kubectl binary.")
	flag.Parse()
	if err := run(*dir, *tools, *stax, *artifacts, *kubectl); err != nil {
		fmt.Fprintln(os.Stderr, "local-up-aggregated:", err)
		os.Exit(1)
	}
}

func run(dir, tools, stax, artifacts, kubectl string) error {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	kubectlPath, err := exec.LookPath(kubectl)
	if err != nil {
		return err
	}
	// A fresh start each time: old certificates and data would not match.
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := cluster.Start(ctx, cluster.Config{
		Dir:       abs(dir),
		ToolsBin:  abs(tools),
		Artifacts: abs(artifacts),
		Kubectl:   kubectlPath,
		StaxCommand: func(args ...string) *exec.Cmd {
			return exec.Command(abs(stax), args...)
		},
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := c.StopChecked(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	fmt.Printf(`Control plane is up; Ctrl-C stops it.

  etcd            %s
  kube-apiserver  %s
  stax-apiserver  %s (APIService %s is Available)
  logs            %s

  export KUBECONFIG=%s
  kubectl get apiservice %s
  kubectl apply -f examples/shop.yaml
  kubectl get environments
`, c.EtcdURL, c.KubeAPIServerURL, c.StaxURL, cluster.APIServiceName, filepath.Join(abs(dir), "logs"),
		c.AdminKubeconfig, cluster.APIServiceName)
	select {
	case <-ctx.Done():
	case <-exited(c):
		return fmt.Errorf("a component exited; see %s", filepath.Join(abs(dir), "logs"))
	}
	return nil
}

// exited closes when any component ends on its own.
func exited(c *cluster.Cluster) <-chan struct{} {
	ch := make(chan struct{})
	for _, p := range c.Processes {
		go func() {
			<-p.Done()
			select {
			case <-ch:
			default:
				close(ch)
			}
		}()
	}
	return ch
}
