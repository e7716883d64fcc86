package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/test/e2e/cluster"
)

// startEtcdMember runs the real etcd as a one-member cluster m until the
// test ends, and returns it once healthy.
func startEtcdMember(t *testing.T, m cluster.EtcdMember) *exec.Cmd {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), m.Name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(toolsBin, "etcd"), cluster.EtcdArgs(m, []cluster.EtcdMember{m})...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logFile.Close(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			raw, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", m.Name, tailLines(string(raw), 20))
		}
	})
	err = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		select {
		case <-done:
			return false, os.ErrProcessDone
		default:
		}
		resp, err := etcdHTTPClient(t, m).Get(m.ClientURL() + "/health")
		if err != nil {
			return false, nil
		}
		defer resp.Body.Close()
		var h struct{ Health string }
		return json.NewDecoder(resp.Body).Decode(&h) == nil && h.Health == "true", nil
	})
	if err != nil {
		raw, _ := os.ReadFile(logPath)
		t.Fatalf("etcd %s not healthy: %v\n%s", m.Name, err, tailLines(string(raw), 20))
	}
	return cmd
}

// etcdHTTPClient reaches m, with its client certificate when it serves
// TLS.
func etcdHTTPClient(t *testing.T, m cluster.EtcdMember) *http.Client {
	t.Helper()
	if m.TLS == nil {
		return http.DefaultClient
	}
	pair, err := tls.LoadX509KeyPair(m.TLS.ClientCert, m.TLS.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(m.TLS.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: roots}}}
}

func tailLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(toolsBin, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// applyFixtureObjects applies testdata/upgrade/objects.yaml, its
// revocation expiring in an hour, to the server at kubeconfig.
func applyFixtureObjects(t *testing.T, kubeconfig string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "upgrade", "objects.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objects := strings.ReplaceAll(string(raw), "EXPIRES_IN_AN_HOUR", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	cmd := exec.Command(kubectlPath(t), "--kubeconfig", kubeconfig, "apply", "-f", "-")
	cmd.Stdin = strings.NewReader(objects)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
}

func kubectlWith(t *testing.T, kubeconfig string, args ...string) string {
	t.Helper()
	out, err := exec.Command(kubectlPath(t), append([]string{"--kubeconfig", kubeconfig}, args...)...).Output()
	if err != nil {
		msg := ""
		if exit, ok := err.(*exec.ExitError); ok {
			msg = string(exit.Stderr)
		}
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return string(out)
}

// storedObjects lists every object of every listable resource of
// stax.microstax.ai the server at kubeconfig serves, by "resource
// namespace/name", each as the server answers it (uid, resourceVersion
// and all).
func storedObjects(t *testing.T, kubeconfig string) map[string]string {
	t.Helper()
	resources := strings.Fields(kubectlWith(t, kubeconfig, "api-resources", "--api-group=stax.microstax.ai", "--verbs=list", "-o", "name"))
	if len(resources) < 5 {
		t.Fatalf("api-resources of stax.microstax.ai: %v", resources)
	}
	objs := map[string]string{}
	for _, res := range resources {
		var list struct{ Items []json.RawMessage }
		if err := json.Unmarshal([]byte(kubectlWith(t, kubeconfig, "get", res, "-A", "-o", "json")), &list); err != nil {
			t.Fatalf("%s: %v", res, err)
		}
		for _, raw := range list.Items {
			var meta struct {
				Metadata struct{ Namespace, Name string }
			}
			if err := json.Unmarshal(raw, &meta); err != nil {
				t.Fatal(err)
			}
			objs[res+" "+meta.Metadata.Namespace+"/"+meta.Metadata.Name] = string(raw)
		}
	}
	return objs
}

// TestBackupAndRestore: objects stored through stax-apiserver on a real
// etcd are saved with etcdctl snapshot save against the live member,
// restored with etcdutl snapshot restore into a new data directory, and a
// new etcd on it under a new stax-apiserver serves every object of the
// snapshot as it was (same uid and resourceVersion), nothing written after
// it, and takes writes again.
func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	original := cluster.EtcdMember{Name: "original", DataDir: filepath.Join(dir, "etcd"),
		ClientPort: freeLoopbackPort(t), PeerPort: freeLoopbackPort(t)}
	originalEtcd := startEtcdMember(t, original)
	client, kubeconfig := startStandalone(t, "--etcd-servers="+original.ClientURL(), "--controllers=", "--runtime=none")
	ctx := context.Background()
	applyFixtureObjects(t, kubeconfig)
	saved := storedObjects(t, kubeconfig)
	if len(saved) < 7 {
		t.Fatalf("only %d objects stored: %v", len(saved), saved)
	}

	snapshot := filepath.Join(dir, "stax.snapshot.db")
	runTool(t, "etcdctl", "--endpoints="+original.ClientURL(), "snapshot", "save", snapshot)
	status := runTool(t, "etcdutl", "snapshot", "status", snapshot, "-w", "json")
	var st struct {
		TotalKey int `json:"totalKey"`
	}
	if err := json.Unmarshal([]byte(status), &st); err != nil || st.TotalKey < len(saved) {
		t.Errorf("etcdutl snapshot status: %s (%v), want at least %d keys", status, err, len(saved))
	}
	// After the snapshot, so not in what is restored: a new object, and
	// one deleted.
	if _, err := client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "initech"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.StaxV1alpha1().Secrets("acme").Delete(ctx, "db-password", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	restored := cluster.EtcdMember{Name: "restored", DataDir: filepath.Join(dir, "restored"),
		ClientPort: freeLoopbackPort(t), PeerPort: freeLoopbackPort(t)}
	runTool(t, "etcdutl", "snapshot", "restore", snapshot, "--data-dir", restored.DataDir, "--name", restored.Name,
		"--initial-cluster", restored.Name+"="+restored.PeerURL(), "--initial-advertise-peer-urls", restored.PeerURL(),
		"--initial-cluster-token", "microstax-restored")
	// The original is gone: whatever the new server serves comes from the
	// snapshot.
	if err := originalEtcd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	startEtcdMember(t, restored)
	restoredClient, restoredKubeconfig := startStandalone(t, "--etcd-servers="+restored.ClientURL(), "--controllers=", "--runtime=none")
	got := storedObjects(t, restoredKubeconfig)
	for key, want := range saved {
		if have, ok := got[key]; !ok {
			t.Errorf("%s is not served after the restore", key)
		} else if have != want {
			t.Errorf("%s after the restore:\n%s\nwant\n%s", key, have, want)
		}
	}
	for key := range got {
		if _, ok := saved[key]; !ok {
			t.Errorf("%s, not in the snapshot, is served after the restore", key)
		}
	}
	t.Logf("restored %d objects of %d keys (%s)", len(got), st.TotalKey, strings.Join(sortedKeys(got), ", "))
	// The restored cluster takes writes.
	if _, err := restoredClient.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "after-restore"}}, metav1.CreateOptions{}); err != nil {
		t.Errorf("a write after the restore: %v", err)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
