package integration

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// TestShutdownWithOpenStreams sends SIGTERM to a server while a gateway
// holds a log follow and a progress watch of it open. The HTTP server waits
// for open answers up to its shutdown timeout (60 s), which is what it took
// before log follows and watches were ended as shutdown begins.
func TestShutdownWithOpenStreams(t *testing.T) {
	p := startProcess(t, t.TempDir(), "--controllers=environment,tokenrevocation", "--runtime=local")
	ctx := context.Background()
	if _, err := p.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c := &restClient{t: t, base: startGateway(t, p.testServer), token: mintWithCLI(t, p.testServer, ns, "alice"), org: ns,
		http: &http.Client{Timeout: time.Minute}}
	c.do("POST", "/v1/environments", "application/json",
		`{"name":"quiet","blueprint":{"services":[{"name":"idle","command":["sleep","600"]}]}}`).expect(t, "create", 202, nil)
	progress := c.dial("/v1/environments/quiet/progress")
	defer progress.Close()
	followProgress(t, progress, staxv1.EnvironmentReady)
	logs := c.dial("/v1/environments/quiet/logstream")
	defer logs.Close()
	// Open on the apiserver: the progress watch, and the log stream's
	// follow and its watch for deletion.
	waitStreams(t, p.testServer, 3)

	began := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		took := time.Since(began)
		t.Logf("exited %v after SIGTERM (%v)", took, err)
		if err != nil {
			t.Errorf("the server's exit: %v", err)
		}
		// A bound on a correctness property, not a speed target: the
		// difference is seconds against the 60 s shutdown timeout.
		if took > 5*time.Second {
			t.Errorf("the server took %v to exit with streams open, want under 5 s", took)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("the server did not exit within 90 s of SIGTERM")
	}
}
