package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/microstax/stax/test/e2e/cluster"
	"github.com/microstax/stax/test/e2e/hacluster"
)

// TestHAAggregated: kube-apiserver aggregates three stax-apiserver replicas
// through HAProxy in TCP passthrough (the APIService points at HAProxy),
// all on a three-member etcd cluster. kube-apiserver's front-proxy client
// certificate reaches whichever replica HAProxy picks, and with one
// replica SIGKILLed the API still answers through kube-apiserver.
func TestHAAggregated(t *testing.T) {
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	etcd, err := hacluster.StartEtcd(ctx, hacluster.Config{Dir: filepath.Join(dir, "etcd"), ToolsBin: toolsBin})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Stop)
	var front *hacluster.HAProxy
	t.Cleanup(func() {
		if front != nil {
			front.Stop()
		}
	})
	c, err := cluster.Start(ctx, cluster.Config{
		Dir:       dir,
		ToolsBin:  toolsBin,
		Artifacts: filepath.Join(repoRoot, "artifacts", "aggregated"),
		Kubectl:   kubectlPath(t),
		StaxCommand: func(args ...string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), runServerEnv+"=1")
			return cmd
		},
		EtcdServers:  etcd.EtcdURLs,
		StaxReplicas: 3,
		StaxFront: func(ctx context.Context, urls []string, caFile string) (int, error) {
			var err error
			if front, err = hacluster.StartHAProxy(ctx, dir, "", caFile, urls); err != nil {
				return 0, err
			}
			return front.Port, nil
		},
	})
	if err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			for _, p := range c.Processes {
				t.Logf("end of %s:\n%s", p.Log, p.Tail(25))
			}
			if front != nil {
				t.Logf("end of %s:\n%s", front.Log, front.Tail(25))
			}
		}
	})
	t.Logf("control plane up in %s", time.Since(begin).Round(time.Millisecond))
	if c.StaxURL != front.URL {
		t.Fatalf("StaxURL %s, want HAProxy's %s", c.StaxURL, front.URL)
	}
	kubectl := func(t *testing.T, stdin string, args ...string) string {
		t.Helper()
		var in []byte
		if stdin != "" {
			in = []byte(stdin)
		}
		out, err := c.Kubectl(ctx, in, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	env := func(name string) string {
		return `apiVersion: stax.microstax.ai/v1alpha1
kind: Environment
metadata: {name: ` + name + `, namespace: acme}
spec:
  blueprint:
    services: [{name: job, command: ["./job"]}]
`
	}
	kubectl(t, "", "create", "namespace", "acme")
	kubectl(t, env("before"), "create", "-f", "-")
	// Replica 0 is also the one the cluster package names stax-apiserver.
	killed := c.Processes["stax-apiserver"]
	_ = killed.Cmd.Process.Kill()
	<-killed.Done()
	killedAt := time.Now()
	// The aggregator's open connection to the dead replica fails once at
	// most; a new one goes to a live replica.
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := c.Kubectl(ctx, []byte(env("after")), "create", "-f", "-")
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("no create through kube-apiserver within 30s of killing a replica: %v", err)
	}
	t.Logf("a create succeeded %s after the SIGKILL", time.Since(killedAt).Round(time.Millisecond))
	for range 6 {
		out := kubectl(t, "", "get", "environments", "-n", "acme", "-o", "name")
		if !strings.Contains(out, "/before") || !strings.Contains(out, "/after") {
			t.Fatalf("environments through kube-apiserver: %q", out)
		}
	}
	t.Logf("TestHAAggregated took %s", time.Since(begin).Round(time.Millisecond))
}
