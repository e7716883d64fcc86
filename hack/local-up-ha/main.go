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

	"github.com/microstax/stax/test/e2e/cluster"
	"github.com/microstax/stax/test/e2e/hacluster"
)

func main() {
	dir := flag.String("dir", "_output/local-up-ha", "Directory for certificates, etcd data and logs; emptied first.")
	tools := flag.String("tools-bin", "_output/tools/bin", "Directory with etcd (hack/build-tools.sh).")
	stax := flag.String("stax-apiserver", "_output/bin/stax-apiserver", "The stax-apiserver binary.")
	replicas := flag.Int("apiservers", 3, "How many stax-apiservers run behind HAProxy.")
	managers := flag.Int("controller-managers", 2, "How many stax-controller-managers run, leader-elected on the etcd cluster "+
		"(the controllers, on the local runtime).")
	manager := flag.String("stax-controller-manager", "_output/bin/stax-controller-manager", "The stax-controller-manager binary.")
	aggregated := flag.Bool("aggregated", false, "Run the stax-apiservers aggregated behind a kube-apiserver (on the same "+
		"etcd cluster), whose APIService points at HAProxy.")
	artifacts := flag.String("artifacts", "artifacts/aggregated", "The manifests to apply, with --aggregated.")
	kubectl := flag.String("kubectl", "kubectl", "The kubectl binary, with --aggregated.")
	flag.Parse()
	var err error
	if *aggregated {
		err = runAggregated(*dir, *tools, *stax, *manager, *artifacts, *kubectl, *replicas, *managers)
	} else {
		err = run(*dir, *tools, *stax, *manager, *replicas, *managers, flag.Args())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local-up-ha:", err)
		os.Exit(1)
	}
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func run(dir, tools, stax, manager string, replicas, managers int, staxArgs []string) error {
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
		Dir:                      abs(dir),
		ToolsBin:                 abs(tools),
		APIServers:               replicas,
		ExtraStaxArgs:            staxArgs,
		StaxCommand:              func(args ...string) *exec.Cmd { return exec.Command(abs(stax), args...) },
		ControllerManagers:       managers,
		ControllerManagerCommand: func(args ...string) *exec.Cmd { return exec.Command(abs(manager), args...) },
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

  etcd members             %s
  stax-apiservers          %s (%s)
  HAProxy                  %s (TCP passthrough, checks /readyz)
  logs                     %s

  export KUBECONFIG=%s
  kubectl apply -n acme -f examples/shop.yaml
  kill -9 <pid of a stax-apiserver, an etcd member or the leading controller manager>, and go on
`, strings.Join(t.EtcdURLs, " "), strings.Join(t.APIServerURLs, " "), strings.Join(staxArgs, " "), t.URL,
		filepath.Join(abs(dir), "logs"), kubeconfig)
	for _, p := range t.Processes() {
		fmt.Printf("  %-24s pid %d\n", p.Name, p.Pid())
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

// runAggregated starts the etcd cluster, then kube-apiserver and the
// replicas on it (test/e2e/cluster), HAProxy in front of the replicas, and
// the APIService pointing at HAProxy: kube-apiserver's front-proxy client
// certificate passes through to whichever replica HAProxy picks. The
// replicas share the token keys through etcd (--key-encryption-key-file)
// and run no controllers: the managers do, leader-elected on the cluster,
// through kube-apiserver.
func runAggregated(dir, tools, stax, manager, artifacts, kubectl string, replicas, managers int) error {
	kubectlPath, err := exec.LookPath(kubectl)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	kek := filepath.Join(abs(dir), "kek")
	if err := hacluster.WriteKEK(kek); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	etcd, err := hacluster.StartEtcd(ctx, hacluster.Config{Dir: abs(filepath.Join(dir, "etcd")), ToolsBin: abs(tools)})
	if err != nil {
		return err
	}
	defer etcd.Stop()
	var front *hacluster.HAProxy
	defer func() {
		if front != nil {
			front.Stop()
		}
	}()
	c, err := cluster.Start(ctx, cluster.Config{
		Dir:       abs(dir),
		ToolsBin:  abs(tools),
		Artifacts: abs(artifacts),
		Kubectl:   kubectlPath,
		StaxCommand: func(args ...string) *exec.Cmd {
			return exec.Command(abs(stax), append(args, "--key-encryption-key-file="+kek, "--controllers=")...)
		},
		EtcdServers:  etcd.EtcdURLs,
		StaxReplicas: replicas,
		StaxFront: func(ctx context.Context, urls []string, caFile string) (int, error) {
			var err error
			front, err = hacluster.StartHAProxy(ctx, abs(dir), "", caFile, urls)
			if err != nil {
				return 0, err
			}
			return front.Port, nil
		},
	})
	if err != nil {
		return err
	}
	defer c.Stop()
	var ms []*hacluster.Process
	defer func() {
		for _, m := range ms {
			m.Stop()
		}
	}()
	for i := range managers {
		name := fmt.Sprintf("stax-controller-manager%d", i)
		m := hacluster.NewProcess(name, filepath.Join(abs(dir), "logs", name+".log"),
			exec.Command(abs(manager), "--kubeconfig="+c.AdminKubeconfig,
				"--data-dir="+filepath.Join(abs(dir), name), "--leader-elect-identity="+name,
				"--leader-elect-etcd-servers="+strings.Join(etcd.EtcdURLs, ",")))
		// A manager exits when it loses leadership; as its Deployment's
		// kubelet would, start it again.
		m.Supervise(hacluster.ManagerRestartDelay)
		if err := m.Start(); err != nil {
			return err
		}
		ms = append(ms, m)
	}
	fmt.Printf(`HA control plane is up; Ctrl-C stops it.

  etcd members             %s
  kube-apiserver   %s
  HAProxy          %s (the APIService %s points here)
  logs                     %s

  export KUBECONFIG=%s
  kubectl get apiservice %s
  kubectl apply -f examples/shop.yaml
`, strings.Join(etcd.EtcdURLs, " "), c.KubeAPIServerURL, front.URL, cluster.APIServiceName,
		filepath.Join(abs(dir), "logs"), c.AdminKubeconfig, cluster.APIServiceName)
	for name, p := range c.Processes {
		fmt.Printf("  %-16s pid %d\n", name, p.Cmd.Process.Pid)
	}
	for _, p := range etcd.Etcd {
		fmt.Printf("  %-24s pid %d\n", p.Name, p.Pid())
	}
	for _, m := range ms {
		fmt.Printf("  %-24s pid %d (restarted when it ends)\n", m.Name, m.Pid())
	}
	<-ctx.Done()
	return nil
}
