package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/scheme"
)

// followDuration is how long the follow test reads. CI sets ten minutes, the
// promise of the logs subresource; the default outlasts the 60s request
// timeout of both API servers, which is what would cut a stream short.
func followDuration(t *testing.T) time.Duration {
	if v := os.Getenv("STAX_E2E_FOLLOW_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("STAX_E2E_FOLLOW_DURATION: %v", err)
		}
		return d
	}
	return 75 * time.Second
}

// TestLogsFollowThroughKubeAPIServer follows an environment's logs for the
// follow duration both through kube-apiserver (the "log" subresource, which it
// exempts from its request timeout) and straight from stax-apiserver, and
// checks that lines kept arriving on both until the end.
func TestLogsFollowThroughKubeAPIServer(t *testing.T) {
	duration := followDuration(t)
	c := startCluster(t)
	ctx := context.Background()

	demo := filepath.Join(t.TempDir(), "stax-demo-service")
	if out, err := exec.Command("go", "build", "-o", demo, "github.com/microstax/stax/cmd/stax-demo-service").CombinedOutput(); err != nil {
		t.Fatalf("building stax-demo-service: %v\n%s", err, out)
	}
	if _, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "logs"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	viaKube, err := versioned.NewForConfig(c.AdminConfig)
	if err != nil {
		t.Fatal(err)
	}
	env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "ticker", Namespace: "logs"}, Spec: staxv1.EnvironmentSpec{
		Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{{
			Name: "api", Command: []string{demo}, Args: []string{"-name", "api", "-tick", "500ms"}, Replicas: ptr.To[int32](1),
			Ports:  []staxv1.ServicePort{{Name: "http", Port: 8080}},
			Health: &staxv1.HealthCheck{HTTP: &staxv1.HTTPHealthCheck{Path: "/healthz", Port: intstr.FromString("http")}, PeriodSeconds: 1},
		}}},
	}}
	if _, err := viaKube.StaxV1alpha1().Environments("logs").Create(ctx, env, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		e, err := viaKube.StaxV1alpha1().Environments("logs").Get(ctx, "ticker", metav1.GetOptions{})
		return err == nil && e.Status.Phase == staxv1.EnvironmentReady, nil
	})
	if err != nil {
		t.Fatalf("environment never Ready: %v", err)
	}

	// Straight to stax-apiserver with the admin certificate, which it
	// authenticates against kube-apiserver's client CA.
	direct := rest.CopyConfig(c.AdminConfig)
	direct.Host = c.StaxURL
	direct.TLSClientConfig.CAFile, direct.TLSClientConfig.CAData = c.StaxCAFile, nil
	direct.TLSClientConfig.ServerName = "stax-apiserver.microstax.svc"

	followers := map[string]*rest.Request{}
	for name, cfg := range map[string]*rest.Config{"through kube-apiserver": c.AdminConfig, "straight": direct} {
		rc, err := rest.RESTClientFor(withStaxDefaults(cfg))
		if err != nil {
			t.Fatal(err)
		}
		followers[name] = rc.Get().AbsPath("/apis/stax.microstax.ai/v1alpha1/namespaces/logs/environments/ticker", "log").
			Param("follow", "true").Param("service", "api").Param("tailLines", "0").Timeout(0)
	}

	followCtx, stop := context.WithTimeout(ctx, duration)
	defer stop()
	type tally struct {
		lines int
		last  time.Time
		err   error
	}
	results := map[string]*tally{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, req := range followers {
		results[name] = &tally{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream, err := req.Stream(followCtx)
			if err != nil {
				mu.Lock()
				results[name].err = err
				mu.Unlock()
				return
			}
			defer stream.Close()
			sc := bufio.NewScanner(stream)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "tick") {
					mu.Lock()
					results[name].lines++
					results[name].last = time.Now()
					mu.Unlock()
				}
			}
		}()
	}
	<-followCtx.Done()
	end := time.Now()
	wg.Wait()
	for name, r := range results {
		t.Logf("%s: %d tick lines in %s, the last %s before the end", name, r.lines, duration, end.Sub(r.last).Round(time.Millisecond))
		if r.err != nil {
			t.Errorf("%s: %v", name, r.err)
			continue
		}
		// Two lines a second; allow for a slow start and a loaded machine.
		if want := int(duration.Seconds()); r.lines < want {
			t.Errorf("%s: %d lines, want at least %d", name, r.lines, want)
		}
		if gap := end.Sub(r.last); gap > 5*time.Second {
			t.Errorf("%s: the stream stopped %s before the end", name, gap)
		}
	}
}

// withStaxDefaults sets what a REST client of our group needs.
func withStaxDefaults(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.GroupVersion = &staxv1.SchemeGroupVersion
	cfg.APIPath = "/apis"
	if cfg.NegotiatedSerializer == nil {
		cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	}
	cfg.UserAgent = fmt.Sprintf("stax-e2e/%s", rest.DefaultKubernetesUserAgent())
	return cfg
}
