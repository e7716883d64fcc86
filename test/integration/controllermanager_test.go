package integration

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// syncBuffer is a log sink two goroutines may use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestControllerManagerElectsOneLeader runs two stax-controller-managers
// against a server that runs no controllers itself: one leads and provisions,
// and when it is killed the other takes over.
func TestControllerManagerElectsOneLeader(t *testing.T) {
	etcdPort := freePort(t)
	srv := startProcess(t, t.TempDir(), "--embedded-etcd-port", strconv.Itoa(etcdPort))
	etcd := "http://127.0.0.1:" + strconv.Itoa(etcdPort)

	type manager struct {
		cmd  *exec.Cmd
		logs *syncBuffer
	}
	start := func(name string) *manager {
		m := &manager{logs: &syncBuffer{}}
		m.cmd = exec.Command(os.Args[0], "--kubeconfig", srv.Kubeconfig,
			"--data-dir", filepath.Join(t.TempDir(), name),
			"--leader-elect-etcd-servers", etcd, "--leader-elect-ttl", "3s",
			"--leader-elect-identity", name)
		m.cmd.Env = append(os.Environ(), runControllerManagerEnv+"=1")
		m.cmd.Stdout, m.cmd.Stderr = m.logs, m.logs
		if err := m.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if m.cmd.ProcessState == nil {
				_ = m.cmd.Process.Kill()
				_ = m.cmd.Wait()
			}
		})
		return m
	}
	a, b := start("cm-a"), start("cm-b")

	leaderOf := func() (leader, follower *manager) {
		var l, f *manager
		err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			aLeads, bLeads := strings.Contains(a.logs.String(), "Became leader"), strings.Contains(b.logs.String(), "Became leader")
			if aLeads && bLeads {
				t.Fatalf("two leaders:\n%s\n%s", a.logs, b.logs)
			}
			switch {
			case aLeads:
				l, f = a, b
			case bLeads:
				l, f = b, a
			}
			return l != nil, nil
		})
		if err != nil {
			t.Fatalf("no leader:\n%s\n%s", a.logs, b.logs)
		}
		return l, f
	}
	leader, follower := leaderOf()

	ctx := context.Background()
	if _, err := srv.Client.StaxV1alpha1().Environments(ns).Create(ctx, chainEnvironment(t, "led"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv.testServer, "led", "Ready under the first leader", phaseIs(staxv1.EnvironmentReady))
	if strings.Contains(follower.logs.String(), "Became leader") {
		t.Fatalf("the follower leads too:\n%s", follower.logs)
	}

	_ = leader.cmd.Process.Kill()
	_ = leader.cmd.Wait()
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return strings.Contains(follower.logs.String(), "Became leader"), nil
	})
	if err != nil {
		t.Fatalf("the follower never took over:\n%s", follower.logs)
	}
	if _, err := srv.Client.StaxV1alpha1().Environments(ns).Create(ctx, chainEnvironment(t, "after"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv.testServer, "after", "Ready under the new leader", phaseIs(staxv1.EnvironmentReady))
}
