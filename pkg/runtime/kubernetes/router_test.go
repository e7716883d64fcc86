package kubernetes

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/microstax/stax/pkg/runtime"
)

func shopPlans() (base, overlay runtime.Plan) {
	http := []runtime.Port{{Name: "http", Port: 8080, AppProtocol: runtime.AppProtocolHTTP}}
	base = runtime.Plan{Organization: "acme", Environment: "shop", Services: []runtime.ServicePlan{
		{Name: "db", Image: "db:1", Ports: http, Replicas: 1},
		{Name: "api", Image: "api:1", Ports: http, Replicas: 1, DependsOn: []string{"db"}},
		{Name: "web", Image: "web:1", Ports: http, Replicas: 1, DependsOn: []string{"api"}},
	}}
	overlay = runtime.Plan{Organization: "acme", Environment: "feature",
		Services: []runtime.ServicePlan{{Name: "api", Image: "api:2", Ports: http, Replicas: 1, DependsOn: []string{"db"}}},
		Baseline: &runtime.BaselineLink{Environment: "shop",
			Shared:  []runtime.BaselineService{{Name: "db", Port: 8080}, {Name: "web", Port: 8080}},
			Changed: []runtime.BaselineService{{Name: "api", Port: 8080}}}}
	return base, overlay
}

// An overlay's dependency on a service it shares is the DNS name of the
// Service in the baseline's namespace.
func TestOverlayReachesTheBaselineNamespace(t *testing.T) {
	_, overlay := shopPlans()
	c := container(overlay, overlay.Services[0], NamespaceName("acme", "feature"))
	for _, e := range c.Env {
		if *e.Name == "DB_URL" {
			if *e.Value != "http://db.stax-acme-shop.svc:8080" {
				t.Fatalf("DB_URL = %s", *e.Value)
			}
			return
		}
	}
	t.Fatal("no DB_URL")
}

func TestRouterDeployment(t *testing.T) {
	d := routerDeployment("stax-router:test", "stax-acme-shop", "api", 8080)
	c := d.Spec.Template.Spec.Containers[0]
	wantArgs := []string{"--service", "api", "--listen", ":8080", "--default", "stax-baseline-api.stax-acme-shop.svc:8080", "--routes", routesMount}
	if *d.Name != "stax-router-api" || *c.Image != "stax-router:test" || !slices.Equal(c.Args, wantArgs) {
		t.Errorf("router %s image %s args %q", *d.Name, *c.Image, c.Args)
	}
	if v := d.Spec.Template.Spec.Volumes[0]; *v.ConfigMap.Name != "stax-router-api" || *c.VolumeMounts[0].MountPath != routesMount {
		t.Errorf("routes volume %+v", v)
	}
	if sel := d.Spec.Selector.MatchLabels; sel[LabelRouter] != "api" || d.Spec.Template.Labels[LabelRouter] != "api" {
		t.Errorf("selector %v", sel)
	}
	if n := routerName(string(make([]byte, 60))); len(n) > maxNameLen {
		t.Errorf("a long service's router name has %d characters", len(n))
	}
}

// The router's life on a cluster: an overlay that changes api puts the
// router before the baseline's api Service; the baseline's own Apply
// keeps it there; deleting the overlay removes it and switches back; the
// overlay never changes a Deployment of the baseline.
func TestRouterLifecycle(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	r := &Runtime{client: client, routerImage: DefaultRouterImage}
	base, overlay := shopPlans()
	if err := r.Apply(ctx, base); err != nil {
		t.Fatal(err)
	}
	baseNs := NamespaceName("acme", "shop")
	deployments := func(ns string) map[string]string {
		list, err := client.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, d := range list.Items {
			b, _ := json.Marshal(d) // the whole object: any write shows
			out[d.Name] = string(b)
		}
		return out
	}
	selectorOf := func(name string) map[string]string {
		s, err := client.CoreV1().Services(baseNs).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s.Spec.Selector
	}
	before := deployments(baseNs)

	if err := r.Apply(ctx, overlay); err != nil {
		t.Fatal(err)
	}
	if got := deployments(NamespaceName("acme", "feature")); len(got) != 1 || got["api"] == "" {
		t.Fatalf("the overlay's namespace holds %v, want only api", got)
	}
	cm, err := client.CoreV1().ConfigMaps(baseNs).Get(ctx, "stax-router-api", metav1.GetOptions{})
	if err != nil || !reflect.DeepEqual(cm.Data, map[string]string{"feature": "api.stax-acme-feature.svc:8080"}) {
		t.Fatalf("routes %v, %v", cm, err)
	}
	after := deployments(baseNs)
	if after["stax-router-api"] == "" {
		t.Fatalf("no router in %v", after)
	}
	delete(after, "stax-router-api")
	if !reflect.DeepEqual(after, before) {
		t.Errorf("the baseline's Deployments changed:\n%v\nthen\n%v", before, after)
	}
	if sel := selectorOf("api"); !reflect.DeepEqual(sel, map[string]string{LabelRouter: "api"}) {
		t.Errorf("api selects %v, want the router", sel)
	}
	wantDirect := serviceLabels("acme", "shop", "api")
	if sel := selectorOf("stax-baseline-api"); !reflect.DeepEqual(sel, wantDirect) {
		t.Errorf("stax-baseline-api selects %v, want the baseline's pods", sel)
	}

	// The baseline re-applied (a resume, a restart) keeps the router.
	if err := r.Apply(ctx, base); err != nil {
		t.Fatal(err)
	}
	if sel := selectorOf("api"); sel[LabelRouter] != "api" || len(sel) != 1 {
		t.Errorf("after the baseline's Apply, api selects %v", sel)
	}
	if _, err := client.CoreV1().Services(baseNs).Get(ctx, "stax-baseline-api", metav1.GetOptions{}); err != nil {
		t.Errorf("the baseline's Apply pruned the direct Service: %v", err)
	}

	if err := r.Delete(ctx, "acme", "feature"); err != nil {
		t.Fatal(err)
	}
	if sel := selectorOf("api"); !reflect.DeepEqual(sel, wantDirect) {
		t.Errorf("after the overlay, api selects %v", sel)
	}
	for _, gone := range []func() error{
		func() error {
			_, err := client.CoreV1().ConfigMaps(baseNs).Get(ctx, "stax-router-api", metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := client.CoreV1().Services(baseNs).Get(ctx, "stax-baseline-api", metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := client.AppsV1().Deployments(baseNs).Get(ctx, "stax-router-api", metav1.GetOptions{})
			return err
		},
	} {
		if gone() == nil {
			t.Error("a router object outlived the overlay")
		}
	}
	if got := deployments(baseNs); !reflect.DeepEqual(got, before) {
		t.Errorf("the baseline's Deployments:\n%v\nthen\n%v", before, got)
	}
}
