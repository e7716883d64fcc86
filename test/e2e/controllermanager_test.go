package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/controllermanager"
	kuberuntime "github.com/microstax/stax/pkg/runtime/kubernetes"
)

// runControllerManagerEnv makes this test binary act as
// stax-controller-manager.
const runControllerManagerEnv = "STAX_TEST_RUN_CONTROLLER_MANAGER"

// init runs before TestMain, so a child started with runControllerManagerEnv
// becomes the controller manager without building the control plane.
func init() {
	if os.Getenv(runControllerManagerEnv) == "1" {
		cmd := controllermanager.NewCommand(genericapiserver.SetupSignalContext())
		cmd.SetArgs(os.Args[1:])
		os.Exit(cli.Run(cmd))
	}
}

// controllerManager is a stax-controller-manager child process.
type controllerManager struct {
	cmd     *exec.Cmd
	logPath string
	// done is closed when the process has ended, with err how.
	done chan struct{}
	err  error
}

// startControllerManager runs stax-controller-manager with args; it is
// killed when the test ends if still running.
func startControllerManager(t *testing.T, args ...string) *controllerManager {
	t.Helper()
	dir := t.TempDir()
	m := &controllerManager{logPath: filepath.Join(dir, "stax-controller-manager.log"), done: make(chan struct{})}
	logFile, err := os.Create(m.logPath)
	if err != nil {
		t.Fatal(err)
	}
	m.cmd = exec.Command(os.Args[0], append([]string{"--data-dir=" + filepath.Join(dir, "data")}, args...)...)
	m.cmd.Env = append(os.Environ(), runControllerManagerEnv+"=1")
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		m.err = m.cmd.Wait()
		logFile.Close()
		close(m.done)
	}()
	t.Cleanup(func() {
		select {
		case <-m.done:
		default:
			_ = m.cmd.Process.Kill()
			<-m.done
		}
		if t.Failed() {
			t.Logf("end of stax-controller-manager log:\n%s", m.tail(40))
		}
	})
	return m
}

func (m *controllerManager) log() string {
	raw, _ := os.ReadFile(m.logPath)
	return string(raw)
}

func (m *controllerManager) tail(n int) string {
	lines := strings.Split(m.log(), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// wait returns how the process ended, or fails the test after timeout.
func (m *controllerManager) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-m.done:
		return m.err
	case <-time.After(timeout):
		t.Fatalf("stax-controller-manager still running after %s:\n%s", timeout, m.tail(20))
		return nil
	}
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestControllerManagerOnKubernetes: stax-apiserver runs no controllers,
// stax-controller-manager --runtime=kubernetes, elected through the
// server's etcd, provisions its environments on the cluster (kwok nodes)
// and tears them down; without the manager nothing is provisioned, and a
// manager told --runtime=kubernetes without a cluster refuses to start.
func TestControllerManagerOnKubernetes(t *testing.T) {
	c := startWorkloadCluster(t)
	ctx := context.Background()

	bad := startControllerManager(t, "--kubeconfig=/nonexistent", "--leader-elect=false", "--runtime=kubernetes")
	if err := bad.wait(t, time.Minute); err == nil {
		t.Errorf("--runtime=kubernetes without --runtime-kubeconfig started:\n%s", bad.tail(20))
	} else if !strings.Contains(bad.log(), "--runtime-kubeconfig is required with --runtime=kubernetes") {
		t.Errorf("--runtime=kubernetes without --runtime-kubeconfig: %v, log:\n%s", err, bad.tail(20))
	}

	etcdPort := freeLoopbackPort(t)
	// The server's runtime is the cluster too: it answers logs from there.
	stax, staxKubeconfig := startStandalone(t, "--controllers=", "--embedded-etcd-port="+strconv.Itoa(etcdPort),
		"--runtime=kubernetes", "--runtime-kubeconfig="+c.AdminKubeconfig)
	envs := stax.StaxV1alpha1().Environments("acme")
	shop, noImage := shopOfImages(), scriptsWithoutImage()
	for _, e := range []*staxv1.Environment{shop, noImage} {
		if _, err := envs.Create(ctx, e, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ns := kuberuntime.NamespaceName("acme", "shop")

	// No controller runs in the server: nothing happens to shop.
	time.Sleep(3 * time.Second)
	if e, err := envs.Get(ctx, "shop", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	} else if e.Status.Phase != "" && e.Status.Phase != staxv1.EnvironmentPending {
		t.Fatalf("shop is %s with no controller running", e.Status.Phase)
	}
	if _, err := c.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace %s exists with no controller running: %v", ns, err)
	}

	m := startControllerManager(t, "--kubeconfig="+staxKubeconfig,
		"--leader-elect-etcd-servers=http://127.0.0.1:"+strconv.Itoa(etcdPort), "--leader-elect-ttl=3s",
		"--leader-elect-identity=cm-e2e", "--runtime=kubernetes", "--runtime-kubeconfig="+c.AdminKubeconfig)

	waitPhase := func(name string, phase staxv1.EnvironmentPhase) *staxv1.Environment {
		t.Helper()
		var last *staxv1.Environment
		err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			e, err := envs.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			last = e
			return e.Status.Phase == phase, nil
		})
		if err != nil {
			var status any = "none"
			if last != nil {
				status = last.Status
			}
			t.Fatalf("%s: waiting for %s: %v; last status %+v", name, phase, err, status)
		}
		return last
	}
	ready := waitPhase("shop", staxv1.EnvironmentReady)
	if !strings.Contains(m.log(), "Became leader") {
		t.Errorf("the manager provisioned without saying it leads:\n%s", m.tail(20))
	}
	found := false
	for _, s := range ready.Status.Services {
		if s.Name == "api" {
			found = true
			if s.ReadyReplicas != 2 {
				t.Errorf("api: %+v, want 2 ready replicas", s)
			}
		}
	}
	if !found {
		t.Errorf("no status of api in %+v", ready.Status.Services)
	}
	api, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "api", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("api Deployment on the cluster: %v", err)
	}
	if api.Labels[kuberuntime.LabelEnvironment] != "shop" || *api.Spec.Replicas != 2 {
		t.Errorf("api Deployment: labels %v, replicas %d", api.Labels, *api.Spec.Replicas)
	}
	pods, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: kuberuntime.LabelService + "=api"})
	if err != nil || len(pods.Items) != 2 || pods.Items[0].Spec.NodeName == "" {
		t.Errorf("api pods: %v, %d, want 2 scheduled on kwok nodes", err, len(pods.Items))
	}

	// The kubernetes runtime, not the local one, refuses a service without
	// an image.
	failed := waitPhase("scripts", staxv1.EnvironmentFailed)
	cond := meta.FindStatusCondition(failed.Status.Conditions, staxv1.ConditionProvisioned)
	if cond == nil || !strings.Contains(cond.Message, "service job has no image") {
		t.Errorf("scripts: Provisioned condition %+v", cond)
	}

	if err := envs.Delete(ctx, "shop", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := c.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Errorf("namespace of shop still there: %v", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := envs.Get(ctx, "shop", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Errorf("shop not deleted (its finalizer is the manager's): %v", err)
	}

	// Ended, the manager resigns and exits cleanly.
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := m.wait(t, time.Minute); err != nil {
		t.Errorf("stax-controller-manager ended with %v", err)
	}
}
