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
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	kuberuntime "github.com/microstax/stax/pkg/runtime/kubernetes"
)

// startStandaloneOnCluster runs stax-apiserver standalone (embedded etcd)
// with --runtime=kubernetes on the cluster of kubeconfig, and returns a
// client of it.
func startStandaloneOnCluster(t testing.TB, kubeconfig string) versioned.Interface {
	t.Helper()
	client, _ := startStandalone(t, "--runtime=kubernetes", "--runtime-kubeconfig="+kubeconfig)
	return client
}

// startStandalone runs stax-apiserver standalone (embedded etcd) with flags
// and returns a client of it and its admin kubeconfig.
func startStandalone(t testing.TB, flags ...string) (versioned.Interface, string) {
	t.Helper()
	return startStandaloneIn(t, t.TempDir(), flags...)
}

// startStandaloneIn is startStandalone on the data directory dir.
func startStandaloneIn(t testing.TB, dir string, flags ...string) (versioned.Interface, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logPath := filepath.Join(dir, "stax-apiserver.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], append([]string{"--data-dir=" + dir, "--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port)}, flags...)...)
	cmd.Env = append(os.Environ(), runServerEnv+"=1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			raw, _ := os.ReadFile(logPath)
			lines := strings.Split(string(raw), "\n")
			t.Logf("end of stax-apiserver log:\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	})
	var client versioned.Interface
	err = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "admin.kubeconfig"))
		if err != nil {
			return false, nil
		}
		// The benchmark creates hundreds of Environments at once.
		cfg.QPS, cfg.Burst = 200, 400
		c, err := versioned.NewForConfig(cfg)
		if err != nil {
			return false, err
		}
		body, err := c.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil || string(body) != "ok" {
			return false, nil
		}
		client = c
		return true, nil
	})
	if err != nil {
		t.Fatalf("stax-apiserver not ready: %v", err)
	}
	return client, filepath.Join(dir, "admin.kubeconfig")
}

// TestEnvironmentOnKubernetes drives the environment controller through
// stax-apiserver onto the cluster: an Environment of images becomes Ready
// once kwok runs its pods, and one without an image fails with the reason.
func TestEnvironmentOnKubernetes(t *testing.T) {
	c := startWorkloadCluster(t)
	stax := startStandaloneOnCluster(t, c.AdminKubeconfig)
	ctx := context.Background()
	envs := stax.StaxV1alpha1().Environments("acme")
	shop, noImage := shopOfImages(), scriptsWithoutImage()
	for _, e := range []*staxv1.Environment{shop, noImage} {
		if _, err := envs.Create(ctx, e, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

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
			t.Fatalf("%s: waiting for %s: %v; last status %+v", name, phase, err, last.Status)
		}
		return last
	}
	ready := waitPhase("shop", staxv1.EnvironmentReady)
	for _, s := range ready.Status.Services {
		if s.Name == "api" && s.ReadyReplicas != 2 {
			t.Errorf("api: %+v", s)
		}
	}
	if _, err := c.Client.AppsV1().Deployments(kuberuntime.NamespaceName("acme", "shop")).Get(ctx, "api", metav1.GetOptions{}); err != nil {
		t.Errorf("api Deployment on the cluster: %v", err)
	}

	failed := waitPhase("scripts", staxv1.EnvironmentFailed)
	cond := meta.FindStatusCondition(failed.Status.Conditions, staxv1.ConditionProvisioned)
	if cond == nil || !strings.Contains(cond.Message, "service job has no image") {
		t.Errorf("scripts: Provisioned condition %+v", cond)
	}

	// Deleting the Environment deletes its namespace.
	if err := envs.Delete(ctx, "shop", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := c.Client.CoreV1().Namespaces().Get(ctx, kuberuntime.NamespaceName("acme", "shop"), metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Errorf("namespace of shop still there: %v", err)
	}
}

// shopOfImages is two services of container images, api (two replicas)
// depending on db, each with a readiness probe.
func shopOfImages() *staxv1.Environment {
	two := int32(2)
	return &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "shop"},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			{Name: "db", Image: "postgres:17", Ports: []staxv1.ServicePort{{Name: "sql", Port: 5432}},
				Health: &staxv1.HealthCheck{TCP: &staxv1.TCPHealthCheck{Port: intstr.FromString("sql")}}},
			{Name: "api", Image: "ghcr.io/acme/api:1", Replicas: &two, DependsOn: []string{"db"},
				Ports:  []staxv1.ServicePort{{Name: "http", Port: 8080}},
				Health: &staxv1.HealthCheck{HTTP: &staxv1.HTTPHealthCheck{Path: "/healthz", Port: intstr.FromString("http")}}},
		}}},
	}
}

// scriptsWithoutImage is a service the kubernetes runtime cannot run.
func scriptsWithoutImage() *staxv1.Environment {
	return &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "scripts"},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			{Name: "job", Command: []string{"./job"}}}}},
	}
}
