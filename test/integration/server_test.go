// Package integration drives a real stax-apiserver on a real embedded etcd:
// through the generated clientset, through the kubectl binary, and as a
// separate process that is killed and restarted. All such tests live in this
// one package because each test binary that links the apiserver and etcd
// takes minutes to build on a small machine.
package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/component-base/cli"

	"github.com/microstax/stax/pkg/cmd/controllermanager"
	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	runtimeoptions "github.com/microstax/stax/pkg/runtime/options"
)

// runServerEnv makes this test binary act as the stax-apiserver command, so
// a test can run the server as a separate process and kill it.
const runServerEnv = "STAX_TEST_RUN_APISERVER"

// runControllerManagerEnv makes this test binary act as
// stax-controller-manager.
const runControllerManagerEnv = "STAX_TEST_RUN_CONTROLLER_MANAGER"

func TestMain(m *testing.M) {
	if os.Getenv(runControllerManagerEnv) == "1" {
		cmd := controllermanager.NewCommand(genericapiserver.SetupSignalContext())
		cmd.SetArgs(os.Args[1:])
		os.Exit(cli.Run(cmd))
	}
	if os.Getenv(runServerEnv) == "1" {
		cmd := server.NewCommand(genericapiserver.SetupSignalContext(), server.NewOptions(os.Stdout, os.Stderr))
		cmd.SetArgs(os.Args[1:])
		os.Exit(cli.Run(cmd))
	}
	os.Exit(m.Run())
}

// testServer is a standalone stax-apiserver reachable with its admin
// kubeconfig.
type testServer struct {
	DataDir    string
	Kubeconfig string
	Config     *rest.Config
	Client     versioned.Interface
}

// startInProcess runs a standalone server in this process on a fresh data
// directory and stops it when the test ends.
func startInProcess(t testing.TB, configure ...func(*server.Options)) *testServer {
	t.Helper()
	dataDir := t.TempDir()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := server.NewOptions(io.Discard, io.Discard)
	o.DataDir = dataDir
	o.Recommended.SecureServing.Listener = listener
	o.Recommended.SecureServing.BindAddress = net.ParseIP("127.0.0.1")
	for _, c := range configure {
		c(o)
	}
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("server ended with: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Errorf("server did not stop within a minute")
		}
	})
	return waitReady(t, o.DataDir, done) // configure may have named another
}

// storeOnly runs no controllers and no runtime: the server only stores
// environments, so tests of the API see exactly what they wrote.
func storeOnly(o *server.Options) {
	o.Controllers = nil
	o.Runtime.Name = runtimeoptions.None
}

// serverProcess is a stax-apiserver running as a child process.
type serverProcess struct {
	*testServer
	cmd *exec.Cmd
	// exited yields the process's end once.
	exited <-chan error
}

// startProcess runs a standalone server as a child process on dataDir.
// Extra flags come after the defaults, which store only.
func startProcess(t *testing.T, dataDir string, flags ...string) *serverProcess {
	t.Helper()
	port := freePort(t)
	args := append([]string{
		"--data-dir", dataDir,
		"--bind-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(port),
		"--controllers=", "--runtime=none",
		"-v", "0"}, flags...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runServerEnv+"=1")
	logFile, err := os.Create(filepath.Join(dataDir, fmt.Sprintf("server-%d.log", port)))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); logFile.Close() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-done
		}
	})
	// The kubeconfig of an earlier run names an older port: wait for ours.
	_ = os.Remove(filepath.Join(dataDir, "admin.kubeconfig"))
	return &serverProcess{testServer: waitReady(t, dataDir, done), cmd: cmd, exited: done}
}

// kill ends the process with SIGKILL: no shutdown hooks, no flush.
func (p *serverProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

func waitReady(t testing.TB, dataDir string, done <-chan error) *testServer {
	t.Helper()
	kubeconfig := filepath.Join(dataDir, "admin.kubeconfig")
	var cfg *rest.Config
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 2*time.Minute, true,
		func(ctx context.Context) (bool, error) {
			select {
			case err := <-done:
				return false, fmt.Errorf("server exited before it was ready: %v", err)
			default:
			}
			if cfg == nil {
				c, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
				if err != nil {
					return false, nil // not written yet
				}
				cfg = c
			}
			client, err := versioned.NewForConfig(cfg)
			if err != nil {
				return false, err
			}
			body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
			return err == nil && string(body) == "ok", nil
		})
	if err != nil {
		t.Fatalf("waiting for the server in %s: %v", dataDir, err)
	}
	// No client-side rate limit: the tests and benchmarks measure the server.
	cfg.QPS = -1
	client, err := versioned.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{DataDir: dataDir, Kubeconfig: kubeconfig, Config: cfg, Client: client}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
