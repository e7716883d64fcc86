package e2e

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	kuberuntime "github.com/microstax/stax/pkg/runtime/kubernetes"
)

// TestOverlayOnKubernetes: on the kubernetes runtime (kube-apiserver,
// kube-controller-manager, kwok nodes) an overlay that changes only api
// holds only api's Deployment in its namespace, reaches the baseline's db
// by the DNS name of the baseline namespace's Service, and puts a router
// before the baseline's api Service; deleting the overlay takes the router
// away and leaves the baseline's Deployments as they were.
func TestOverlayOnKubernetes(t *testing.T) {
	c := startWorkloadCluster(t)
	stax := startStandaloneOnCluster(t, c.AdminKubeconfig)
	ctx := context.Background()
	envs := stax.StaxV1alpha1().Environments("acme")
	baselines := stax.StaxV1alpha1().Baselines("acme")
	waitEnv := func(name, what string, cond func(*staxv1.Environment, error) bool) *staxv1.Environment {
		t.Helper()
		var last *staxv1.Environment
		err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			e, err := envs.Get(ctx, name, metav1.GetOptions{})
			if err == nil {
				last = e
			}
			return cond(e, err), nil
		})
		if err != nil {
			t.Fatalf("waiting for %s %s: %v; last %+v", name, what, err, last)
		}
		return last
	}
	ready := func(e *staxv1.Environment, err error) bool {
		return err == nil && e.Status.Phase == staxv1.EnvironmentReady
	}

	if _, err := envs.Create(ctx, shopOfImages(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitEnv("shop", "Ready", ready)
	if _, err := baselines.Create(ctx, &staxv1.Baseline{ObjectMeta: metav1.ObjectMeta{Name: "main"},
		Spec: staxv1.BaselineSpec{EnvironmentRef: staxv1.EnvironmentReference{Name: "shop"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	baseNs := kuberuntime.NamespaceName("acme", "shop")
	generations := func() map[string]int64 {
		t.Helper()
		list, err := c.Client.AppsV1().Deployments(baseNs).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		g := map[string]int64{}
		for _, d := range list.Items {
			if d.Labels[kuberuntime.LabelRouter] == "" {
				g[d.Name] = d.Generation
			}
		}
		return g
	}
	before := generations()

	_, err := baselines.CreateOverlay(ctx, "main", &staxv1.OverlayRequest{Spec: staxv1.OverlayRequestSpec{Name: "feature",
		Services: []staxv1.ServiceChange{{Name: "api", Image: "ghcr.io/acme/api:2"}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	overlay := waitEnv("feature", "Ready", ready)

	t.Run("the overlay namespace holds only what it changes", func(t *testing.T) {
		ns := kuberuntime.NamespaceName("acme", "feature")
		list, err := c.Client.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, d := range list.Items {
			names = append(names, d.Name)
		}
		if len(list.Items) != 1 || names[0] != "api" {
			t.Fatalf("Deployments of the overlay namespace: %v, want only api", names)
		}
		container := list.Items[0].Spec.Template.Spec.Containers[0]
		if container.Image != "ghcr.io/acme/api:2" {
			t.Errorf("the overlay's api runs %s", container.Image)
		}
		var dbURL string
		for _, e := range container.Env {
			if e.Name == "DB_URL" {
				dbURL = e.Value
			}
		}
		if !strings.Contains(dbURL, "db."+baseNs+".svc:5432") {
			t.Errorf("DB_URL %q does not name the baseline namespace's db Service", dbURL)
		}
		sources := map[string]string{}
		for _, s := range overlay.Status.Services {
			sources[s.Name] = s.Source
		}
		if sources["api"] != staxv1.ServiceOwn || sources["db"] != staxv1.ServiceShared {
			t.Errorf("status.services sources %v, want api own and db shared", sources)
		}
	})

	t.Run("a router stands before the baseline's api", func(t *testing.T) {
		cm, err := c.Client.CoreV1().ConfigMaps(baseNs).Get(ctx, "stax-router-api", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := cm.Data["feature"]; !ok {
			t.Errorf("the routes ConfigMap lacks the overlay: %v", cm.Data)
		}
		if _, err := c.Client.AppsV1().Deployments(baseNs).Get(ctx, "stax-router-api", metav1.GetOptions{}); err != nil {
			t.Errorf("router Deployment: %v", err)
		}
		direct, err := c.Client.CoreV1().Services(baseNs).Get(ctx, "stax-baseline-api", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if direct.Spec.Selector[kuberuntime.LabelRouter] != "" || len(direct.Spec.Selector) == 0 {
			t.Errorf("stax-baseline-api must select the baseline's own pods: %v", direct.Spec.Selector)
		}
		api, err := c.Client.CoreV1().Services(baseNs).Get(ctx, "api", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if api.Spec.Selector[kuberuntime.LabelRouter] != "api" {
			t.Errorf("the baseline's api Service selects %v, want the router", api.Spec.Selector)
		}
	})

	t.Run("deleting the overlay removes the router, not the baseline", func(t *testing.T) {
		if err := envs.Delete(ctx, "feature", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitEnv("feature", "gone", func(_ *staxv1.Environment, err error) bool { return apierrors.IsNotFound(err) })
		for _, get := range []func() error{
			func() error {
				_, err := c.Client.CoreV1().ConfigMaps(baseNs).Get(ctx, "stax-router-api", metav1.GetOptions{})
				return err
			},
			func() error {
				_, err := c.Client.AppsV1().Deployments(baseNs).Get(ctx, "stax-router-api", metav1.GetOptions{})
				return err
			},
			func() error {
				_, err := c.Client.CoreV1().Services(baseNs).Get(ctx, "stax-baseline-api", metav1.GetOptions{})
				return err
			},
		} {
			if err := get(); !apierrors.IsNotFound(err) {
				t.Errorf("a router object outlived the last overlay: %v", err)
			}
		}
		api, err := c.Client.CoreV1().Services(baseNs).Get(ctx, "api", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if api.Spec.Selector[kuberuntime.LabelRouter] != "" {
			t.Errorf("the baseline's api Service still selects the router: %v", api.Spec.Selector)
		}
		after := generations()
		var names []string
		for n := range before {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if after[n] != before[n] {
				t.Errorf("baseline Deployment %s went from generation %d to %d", n, before[n], after[n])
			}
		}
		if len(after) != len(before) {
			t.Errorf("baseline Deployments %v, were %v", after, before)
		}
		waitEnv("shop", "still Ready", ready)
	})
}
