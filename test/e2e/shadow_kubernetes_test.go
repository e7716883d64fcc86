package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/microstax/stax/pkg/identity"
	"github.com/microstax/stax/pkg/runtime"
	kuberuntime "github.com/microstax/stax/pkg/runtime/kubernetes"
	"github.com/microstax/stax/pkg/stubaccess"
)

// TestShadowOnKubernetes: the kubernetes runtime's shadow on a real
// control plane (kube-apiserver, kube-controller-manager's EndpointSlice
// controller, kube-scheduler, kwok nodes). Kwok runs no process, so no
// request flows: what is shown is where the cluster would send it. With
// the shadow on, the router's default Service has the stax-shadow pod as
// its endpoint, stax-primary-api the baseline's api pods, and
// stax-secondary-api the secondary's pod, which no baseline Service
// reaches; the credential is a diff writer's token from a real issuer.
// Turned off, the router's default has the baseline's pods again and the
// shadow's objects and pods are gone.
func TestShadowOnKubernetes(t *testing.T) {
	c := startWorkloadCluster(t)
	ctx := context.Background()
	keys, err := identity.NewKeySet(time.Now(), identity.KeySetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := identity.NewIssuer(keys, identity.IssuerConfig{Issuer: "stax-e2e"})
	if err != nil {
		t.Fatal(err)
	}
	minter := &stubaccess.Minter{Issuer: issuer, Audience: "stax.microstax.ai",
		Endpoint: stubaccess.Endpoint{Server: "https://stax.example:6443"}}
	rt, err := kuberuntime.New(kuberuntime.Config{Client: c.Client, ShadowImage: "stax-e2e/shadow:1", DiffAccess: minter})
	if err != nil {
		t.Fatal(err)
	}
	http := []runtime.Port{{Name: "http", Port: 8080, AppProtocol: runtime.AppProtocolHTTP}}
	base := runtime.Plan{Organization: "acme", Environment: "shop", Services: []runtime.ServicePlan{
		{Name: "db", Image: "postgres:17", Replicas: 1, Ports: []runtime.Port{{Name: "sql", Port: 5432}}},
		{Name: "api", Image: "ghcr.io/acme/api:1", Replicas: 2, Ports: http, DependsOn: []string{"db"},
			Health: &runtime.HealthCheck{HTTPPath: "/healthz", Period: 5 * time.Second, FailureThreshold: 3}},
	}}
	overlay := runtime.Plan{Organization: "acme", Environment: "feature",
		Services: []runtime.ServicePlan{{Name: "api", Image: "ghcr.io/acme/api:2", Replicas: 1, Ports: http, DependsOn: []string{"db"}}},
		Baseline: &runtime.BaselineLink{Environment: "shop",
			Shared:  []runtime.BaselineService{{Name: "db", Port: 5432}},
			Changed: []runtime.BaselineService{{Name: "api", Port: 8080}}},
		Shadow: &runtime.ShadowPlan{Percent: 10}}
	baseNs := kuberuntime.NamespaceName("acme", "shop")

	if err := rt.Apply(ctx, base); err != nil {
		t.Fatal(err)
	}
	waitState(t, rt, "acme", "shop", "the baseline Healthy", allHealth(runtime.HealthHealthy))
	apiPods := podIPs(t, c.Client, baseNs, kuberuntime.LabelService+"=api,"+kuberuntime.LabelEnvironment+"=shop")
	if len(apiPods) != 2 {
		t.Fatalf("baseline api pods %v", apiPods)
	}
	if err := rt.Apply(ctx, overlay); err != nil {
		t.Fatal(err)
	}

	frontPods := waitPods(t, c.Client, baseNs, kuberuntime.LabelShadowRole+"=front", 1)
	secondaryPods := waitPods(t, c.Client, baseNs, kuberuntime.LabelShadowRole+"=secondary", 1)
	waitEndpoints(t, c.Client, baseNs, "stax-baseline-api", frontPods)
	waitEndpoints(t, c.Client, baseNs, "stax-primary-api", apiPods)
	waitEndpoints(t, c.Client, baseNs, "stax-secondary-api", secondaryPods)
	routers := waitPods(t, c.Client, baseNs, kuberuntime.LabelRouter+"=api", 1)
	waitEndpoints(t, c.Client, baseNs, "api", routers)

	// The secondary is the baseline's pod spec as the server stored it.
	apps := c.Client.AppsV1().Deployments(baseNs)
	api, err := apps.Get(ctx, "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := apps.Get(ctx, "stax-secondary-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a, s := api.Spec.Template.Spec.Containers[0], sec.Spec.Template.Spec.Containers[0]; a.Image != s.Image ||
		!slices.Equal(a.Env, s.Env) || s.ReadinessProbe == nil || s.ReadinessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("secondary container %+v, baseline's %+v", s, a)
	}
	secret, err := c.Client.CoreV1().Secrets(baseNs).Get(ctx, "stax-shadow-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if secret.Type != kuberuntime.DiffCredentialType || len(secret.Data["token"]) == 0 || len(secret.Data["kubeconfig"]) == 0 {
		t.Errorf("credential secret %s with keys %d", secret.Type, len(secret.Data))
	}

	// Off: the baseline's pods behind the router's default again.
	overlay.Shadow = nil
	if err := rt.Apply(ctx, overlay); err != nil {
		t.Fatal(err)
	}
	waitEndpoints(t, c.Client, baseNs, "stax-baseline-api", apiPods)
	waitPods(t, c.Client, baseNs, kuberuntime.LabelShadow, 0)
	for kind, list := range map[string]func() (int, error){
		"deployments": func() (int, error) {
			l, err := apps.List(ctx, metav1.ListOptions{LabelSelector: kuberuntime.LabelShadow})
			return len(l.Items), err
		},
		"services": func() (int, error) {
			l, err := c.Client.CoreV1().Services(baseNs).List(ctx, metav1.ListOptions{LabelSelector: kuberuntime.LabelShadow})
			return len(l.Items), err
		},
		"secrets": func() (int, error) {
			l, err := c.Client.CoreV1().Secrets(baseNs).List(ctx, metav1.ListOptions{LabelSelector: kuberuntime.LabelShadow})
			return len(l.Items), err
		},
	} {
		if n, err := list(); err != nil || n != 0 {
			t.Errorf("shadow %s left: %d (%v)", kind, n, err)
		}
	}
	if err := rt.Delete(ctx, "acme", "feature"); err != nil {
		t.Fatal(err)
	}
	waitEndpoints(t, c.Client, baseNs, "api", apiPods)
}

// podIPs are the IPs of the running pods of selector.
func podIPs(t *testing.T, client kubernetes.Interface, ns, selector string) []string {
	t.Helper()
	pods, err := client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" && p.DeletionTimestamp == nil {
			out = append(out, p.Status.PodIP)
		}
	}
	slices.Sort(out)
	return out
}

// waitPods waits for n running pods of selector and returns their IPs.
func waitPods(t *testing.T, client kubernetes.Interface, ns, selector string, n int) []string {
	t.Helper()
	var ips []string
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, nil
		}
		ips = podIPs(t, client, ns, selector)
		return len(pods.Items) == n && len(ips) == n, nil
	})
	if err != nil {
		t.Fatalf("waiting for %d pods of %s: %v; running %v", n, selector, err, ips)
	}
	return ips
}

// waitEndpoints waits until the ready endpoints of Service svc are ips.
func waitEndpoints(t *testing.T, client kubernetes.Interface, ns, svc string, ips []string) {
	t.Helper()
	var got []string
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := client.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
		if err != nil {
			return false, nil
		}
		got = readyAddresses(list.Items)
		return equalSets(got, ips), nil
	})
	if err != nil {
		t.Fatalf("waiting for the endpoints of %s to be %v: %v; last %v", svc, ips, err, got)
	}
}

func readyAddresses(items []discoveryv1.EndpointSlice) []string {
	var out []string
	for _, s := range items {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready == nil || *e.Conditions.Ready {
				out = append(out, e.Addresses...)
			}
		}
	}
	slices.Sort(out)
	return out
}

func equalSets(a, b []string) bool {
	return slices.Equal(a, b) && len(a) > 0
}
