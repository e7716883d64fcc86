package e2e

import (
	"context"
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// TestControllerManagerFailover: two stax-controller-managers elect a
// leader through the server's etcd; only the leader acts. Killed with
// SIGKILL (no resignation: its etcd session has to expire), the leader is
// replaced by the other within seconds, which then provisions an
// environment created after the kill. /metrics of each says who leads,
// how often each won, and what the controllers' queues did.
func TestControllerManagerFailover(t *testing.T) {
	ctx := context.Background()
	etcdPort := freeLoopbackPort(t)
	stax, kubeconfig := startStandalone(t, "--controllers=", "--runtime=none", "--embedded-etcd-port="+strconv.Itoa(etcdPort))
	const ttl = 3 * time.Second
	type manager struct {
		name, metrics string
		proc          *controllerManager
	}
	var managers []manager
	for _, name := range []string{"cm-a", "cm-b"} {
		metrics := "127.0.0.1:" + strconv.Itoa(freeLoopbackPort(t))
		proc := startControllerManager(t, "--kubeconfig="+kubeconfig,
			"--leader-elect-etcd-servers=http://127.0.0.1:"+strconv.Itoa(etcdPort), "--leader-elect-ttl="+ttl.String(),
			"--leader-elect-identity="+name, "--metrics-bind-address="+metrics)
		managers = append(managers, manager{name, "http://" + metrics + "/metrics", proc})
		if name == "cm-a" {
			// cm-a campaigns first, so it leads.
			waitLeader(t, managers[0].metrics, name, 1)
		}
	}
	leader, follower := managers[0], managers[1]
	waitLeader(t, follower.metrics, follower.name, 0)

	envs := stax.StaxV1alpha1().Environments("acme")
	before := sleeper("before")
	if _, err := envs.Create(ctx, before, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReady(t, envs, before.Name, 2*time.Minute)
	page := scrape(t, leader.metrics)
	for _, series := range []struct {
		name   string
		labels map[string]string
	}{
		{"workqueue_adds_total", map[string]string{"name": "environments"}},
		{"workqueue_work_duration_seconds", map[string]string{"name": "environments"}},
		{"workqueue_queue_duration_seconds", map[string]string{"name": "environments"}},
		{"stax_controller_syncs_total", map[string]string{"controller": "environments"}},
		{"stax_controller_manager_leader_elections_total", map[string]string{"identity": leader.name}},
	} {
		if v := page.value(series.name, series.labels); v < 1 {
			t.Errorf("leader's %s%v = %v, want at least 1", series.name, series.labels, v)
		}
	}
	if v := page.value("workqueue_depth", map[string]string{"name": "environments"}); v < 0 {
		t.Errorf("leader has no workqueue_depth of environments")
	}
	if v := page.value("stax_controller_sync_errors_total", map[string]string{"controller": "environments"}); v > 0 {
		t.Errorf("leader's environment syncs failed %v times provisioning a sleeper", v)
	}
	// The follower runs no controller: its queues were never made.
	if v := scrape(t, follower.metrics).value("stax_controller_syncs_total", map[string]string{"controller": "environments"}); v > 0 {
		t.Errorf("the follower synced %v environments", v)
	}

	// SIGKILL the leader (its local runtime's processes die with it, by
	// Pdeathsig): nothing resigns, the session has to run out.
	if err := leader.proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	_ = leader.proc.wait(t, 30*time.Second)
	after := sleeper("after")
	if _, err := envs.Create(ctx, after, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitLeader(t, follower.metrics, follower.name, 1)
	tookOver := time.Since(killed)
	waitReady(t, envs, after.Name, time.Minute)
	acted := time.Since(killed)
	t.Logf("leader SIGKILLed with a %s TTL: the follower led after %s, provisioned an environment created after the kill %s after it",
		ttl, tookOver.Round(100*time.Millisecond), acted.Round(100*time.Millisecond))
	// The session's TTL bounds the takeover; the rest is etcd's lease
	// expiry check (every 500ms) and the campaign's watch.
	if tookOver > 3*ttl {
		t.Errorf("the follower took %s to lead, want under %s", tookOver, 3*ttl)
	}
	page = scrape(t, follower.metrics)
	if v := page.value("stax_controller_manager_leader_elections_total", map[string]string{"identity": follower.name}); v != 1 {
		t.Errorf("follower's elections = %v, want 1", v)
	}
	if v := page.value("stax_controller_syncs_total", map[string]string{"controller": "environments"}); v < 1 {
		t.Errorf("the new leader's environment syncs = %v, want at least 1", v)
	}
}

// sleeper is an environment of one process the local runtime runs until
// its environment goes; no health check, so it is Ready once started.
func sleeper(name string) *staxv1.Environment {
	return &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: staxv1.EnvironmentSpec{
		Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{{Name: "job", Command: []string{"sleep", "600"}}}},
	}}
}

type environmentGetter interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*staxv1.Environment, error)
}

func waitReady(t *testing.T, envs environmentGetter, name string, timeout time.Duration) {
	t.Helper()
	var last *staxv1.Environment
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		e, err := envs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = e
		return e.Status.Phase == staxv1.EnvironmentReady, nil
	})
	if err != nil {
		status := "none"
		if last != nil {
			status = fmt.Sprintf("%+v", last.Status)
		}
		t.Fatalf("%s not Ready: %v; last status %s", name, err, status)
	}
}

// waitLeader waits until the manager whose /metrics is at url says it leads
// (want 1) or waits (want 0).
func waitLeader(t *testing.T, url, identity string, want float64) {
	t.Helper()
	var got float64
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		page, err := tryScrape(url)
		if err != nil {
			return false, nil
		}
		got = page.value("stax_controller_manager_leader", map[string]string{"identity": identity})
		return got == want, nil
	})
	if err != nil {
		t.Fatalf("%s: stax_controller_manager_leader = %v, want %v: %v", identity, got, want, err)
	}
}
