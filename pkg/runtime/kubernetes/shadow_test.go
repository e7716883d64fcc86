package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/runtime"
)

type fakeDiffAccess struct{ orgs []string }

func (f *fakeDiffAccess) DiffWriterCredential(_ context.Context, org string) (runtime.DiffCredential, error) {
	f.orgs = append(f.orgs, org)
	return runtime.DiffCredential{Server: "https://stax.example:6443", CAData: []byte("ca"), Token: "diff-" + org}, nil
}

var shadowUntil = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// shadowedPlans are shopPlans with the overlay shadowing api.
func shadowedPlans() (base, overlay runtime.Plan) {
	base, overlay = shopPlans()
	base.Services[1].Env = []runtime.EnvVar{{Name: "API_KEY", Value: "k", Secret: true}}
	overlay.Shadow = &runtime.ShadowPlan{Percent: 25, Methods: []string{"GET", "POST"}, AllowUnsafe: true,
		MaxRequests: 500, Until: shadowUntil,
		Compare: diff.Options{IgnorePaths: []string{"body.ts"}, IgnoreHeaders: []string{"Date"}, Relative: 1.2, MinExcessRate: 0.0003}}
	return base, overlay
}

func TestShadowArgs(t *testing.T) {
	_, overlay := shadowedPlans()
	tg := shadowTargets(overlay, NamespaceName("acme", "feature"))
	if len(tg) != 1 || tg[0] != (shadowTarget{svc: "api", port: 8080, candidate: "api.stax-acme-feature.svc:8080"}) {
		t.Fatalf("targets %+v", tg)
	}
	want := []string{"--service", "api", "--organization", "acme", "--overlay", "feature",
		"--listen", ":8080", "--metrics-listen", ":9090",
		"--default", "stax-primary-api.stax-acme-shop.svc:8080",
		"--secondary", "stax-secondary-api.stax-acme-shop.svc:8080",
		"--candidate", "api.stax-acme-feature.svc:8080",
		"--percent", "25", "--methods", "GET,POST", "--allow-unsafe", "--max-requests", "500",
		"--until", "2026-05-01T12:00:00Z", "--kubeconfig", "/etc/stax-shadow/kubeconfig",
		"--ignore-path", "body.ts", "--ignore-header", "Date", "--relative", "1.2", "--min-excess-rate", "0.0003"}
	if got := shadowArgs(overlay, tg[0], "stax-acme-shop"); !slices.Equal(got, want) {
		t.Errorf("args\n%q\nwant\n%q", got, want)
	}
	overlay.Shadow = &runtime.ShadowPlan{Percent: 100}
	got := shadowArgs(overlay, shadowTarget{svc: "api", port: 9090, candidate: "c:9090"}, "stax-acme-shop")
	if !slices.Contains(got, ":9091") || slices.Contains(got, "--methods") || slices.Contains(got, "--until") ||
		slices.Contains(got, "--max-requests") || slices.Contains(got, "--allow-unsafe") ||
		slices.Contains(got, "--ignore-path") || slices.Contains(got, "--relative") || !slices.Contains(got, "--kubeconfig") {
		t.Errorf("defaults, on the metrics port: %q", got)
	}

	// Not mirrored: a port that does not speak HTTP, a service the
	// baseline has no port for, a plan without shadow.
	_, overlay = shadowedPlans()
	overlay.Services[0].Ports = []runtime.Port{{Name: "grpc", Port: 8080}}
	if tg := shadowTargets(overlay, "ns"); len(tg) != 0 {
		t.Errorf("a non-HTTP service is shadowed: %+v", tg)
	}
	_, overlay = shadowedPlans()
	overlay.Baseline.Changed[0].Port = 0
	if tg := shadowTargets(overlay, "ns"); len(tg) != 0 {
		t.Errorf("a service without a baseline port is shadowed: %+v", tg)
	}
	overlay.Shadow = nil
	if tg := shadowTargets(overlay, "ns"); len(tg) != 0 {
		t.Errorf("no shadow, targets %+v", tg)
	}
}

// shadowCluster is a fake cluster with the shop baseline applied.
type shadowCluster struct {
	t      *testing.T
	ctx    context.Context
	client *fake.Clientset
	r      *Runtime
	access *fakeDiffAccess
	baseNs string
}

func newShadowCluster(t *testing.T) *shadowCluster {
	c := &shadowCluster{t: t, ctx: context.Background(), client: fake.NewClientset(), access: &fakeDiffAccess{},
		baseNs: NamespaceName("acme", "shop")}
	r, err := New(Config{Client: c.client, ShadowImage: "stax-shadow:test", DiffAccess: c.access})
	if err != nil {
		t.Fatal(err)
	}
	c.r = r
	base, _ := shadowedPlans()
	c.apply(base)
	return c
}

func (c *shadowCluster) apply(p runtime.Plan) {
	c.t.Helper()
	if err := c.r.Apply(c.ctx, p); err != nil {
		c.t.Fatal(err)
	}
}

func (c *shadowCluster) selectorOf(name string) map[string]string {
	c.t.Helper()
	s, err := c.client.CoreV1().Services(c.baseNs).Get(c.ctx, name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return s.Spec.Selector
}

// baselineObjects are the baseline's own Deployments and Services, whole.
func (c *shadowCluster) baselineObjects() map[string]string {
	c.t.Helper()
	out := map[string]string{}
	sel := metav1.ListOptions{LabelSelector: selector(envLabels("acme", "shop"))}
	ds, err := c.client.AppsV1().Deployments(c.baseNs).List(c.ctx, sel)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, d := range ds.Items {
		b, _ := json.Marshal(d)
		out["deployment/"+d.Name] = string(b)
	}
	ss, err := c.client.CoreV1().Services(c.baseNs).List(c.ctx, sel)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, s := range ss.Items {
		b, _ := json.Marshal(s)
		out["service/"+s.Name] = string(b)
	}
	return out
}

// shadowObjects names what carries LabelShadow in the baseline's namespace.
func (c *shadowCluster) shadowObjects() []string {
	c.t.Helper()
	sel := metav1.ListOptions{LabelSelector: LabelShadow}
	var out []string
	ds, err := c.client.AppsV1().Deployments(c.baseNs).List(c.ctx, sel)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, d := range ds.Items {
		out = append(out, "deployment/"+d.Name)
	}
	ss, err := c.client.CoreV1().Services(c.baseNs).List(c.ctx, sel)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, s := range ss.Items {
		out = append(out, "service/"+s.Name)
	}
	secs, err := c.client.CoreV1().Secrets(c.baseNs).List(c.ctx, sel)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, s := range secs.Items {
		out = append(out, "secret/"+s.Name)
	}
	slices.Sort(out)
	return out
}

var allShadowObjects = []string{"deployment/stax-secondary-api", "deployment/stax-shadow-api", "secret/stax-shadow-api",
	"service/stax-primary-api", "service/stax-secondary-api"}

// assertUnshadowed: the router sends the baseline's traffic to its pods
// again, and nothing of the shadow is left.
func (c *shadowCluster) assertUnshadowed(when string) {
	c.t.Helper()
	if sel := c.selectorOf("stax-baseline-api"); !reflect.DeepEqual(sel, serviceLabels("acme", "shop", "api")) {
		c.t.Errorf("%s: stax-baseline-api selects %v, want the baseline's pods", when, sel)
	}
	if got := c.shadowObjects(); len(got) != 0 {
		c.t.Errorf("%s: shadow objects left: %v", when, got)
	}
}

// The shadow's objects on a cluster: stax-shadow between the router and
// the baseline's pods, a secondary copied from the baseline's Deployment
// that no baseline Service selects, a diff writer's credential; nothing
// of the baseline rewritten.
func TestShadowObjects(t *testing.T) {
	c := newShadowCluster(t)
	_, overlay := shadowedPlans()
	// The router first, as without a shadow: what the shadow adds is the rest.
	routed := overlay
	routed.Shadow = nil
	c.apply(routed)
	before := c.baselineObjects()
	c.apply(overlay)

	if got := c.shadowObjects(); !slices.Equal(got, allShadowObjects) {
		t.Fatalf("shadow objects %v, want %v", got, allShadowObjects)
	}
	after := c.baselineObjects()
	for name, obj := range before {
		if after[name] != obj {
			t.Errorf("the baseline's %s changed:\n%s\nthen\n%s", name, obj, after[name])
		}
	}
	if len(after) != len(before) {
		t.Errorf("the baseline's objects %d, then %d", len(before), len(after))
	}
	if sel := c.selectorOf("api"); !reflect.DeepEqual(sel, map[string]string{LabelRouter: "api"}) {
		t.Errorf("api selects %v, want the router", sel)
	}
	if sel := c.selectorOf("stax-baseline-api"); !reflect.DeepEqual(sel, shadowPods("api", roleFront)) {
		t.Errorf("the router's default selects %v, want stax-shadow", sel)
	}
	if sel := c.selectorOf("stax-primary-api"); !reflect.DeepEqual(sel, serviceLabels("acme", "shop", "api")) {
		t.Errorf("stax-primary-api selects %v, want the baseline's pods", sel)
	}
	if sel := c.selectorOf("stax-secondary-api"); !reflect.DeepEqual(sel, shadowPods("api", roleSecondary)) {
		t.Errorf("stax-secondary-api selects %v", sel)
	}

	apps := c.client.AppsV1().Deployments(c.baseNs)
	base, err := apps.Get(c.ctx, "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := apps.Get(c.ctx, "stax-secondary-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sec.Spec.Template.Spec.Containers, base.Spec.Template.Spec.Containers) || *sec.Spec.Replicas != 1 {
		t.Errorf("the secondary runs %+v x%d, want the baseline's %+v", sec.Spec.Template.Spec.Containers, *sec.Spec.Replicas,
			base.Spec.Template.Spec.Containers)
	}
	// Out of the primary's pool: no baseline selector matches its pods.
	podLabels := sec.Spec.Template.Labels
	for _, s := range []string{"api", "stax-primary-api", "stax-baseline-api"} {
		if matches(c.selectorOf(s), podLabels) {
			t.Errorf("Service %s selects the secondary's pods %v", s, podLabels)
		}
	}
	if !matches(sec.Spec.Selector.MatchLabels, podLabels) || podLabels[LabelShadowOverlay] != "feature" {
		t.Errorf("secondary pods %v, selector %v", podLabels, sec.Spec.Selector.MatchLabels)
	}

	front, err := apps.Get(c.ctx, "stax-shadow-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fc := front.Spec.Template.Spec.Containers[0]
	if fc.Image != "stax-shadow:test" || !slices.Contains(fc.Args, "--candidate") || fc.ReadinessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("stax-shadow container %+v", fc)
	}
	if len(fc.Env) != 1 || fc.Env[0] != (corev1.EnvVar{Name: "KUBECONFIG", Value: "/etc/stax-shadow/kubeconfig"}) {
		t.Errorf("env %+v", fc.Env)
	}
	if v := front.Spec.Template.Spec.Volumes; len(v) != 1 || v[0].Secret.SecretName != "stax-shadow-api" ||
		fc.VolumeMounts[0].MountPath != shadowMount || !fc.VolumeMounts[0].ReadOnly {
		t.Errorf("volumes %+v, mounts %+v", v, fc.VolumeMounts)
	}
	if !matches(c.selectorOf("stax-baseline-api"), front.Spec.Template.Labels) {
		t.Errorf("the router's default does not select the stax-shadow pods %v", front.Spec.Template.Labels)
	}

	// The credential: the organization's diff writer token, read from the
	// file beside the kubeconfig.
	secret, err := c.client.CoreV1().Secrets(c.baseNs).Get(c.ctx, "stax-shadow-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if secret.Type != DiffCredentialType || secret.StringData["token"] != "diff-acme" || !slices.Equal(c.access.orgs, []string{"acme"}) {
		t.Errorf("secret type %s data %v, minted for %v", secret.Type, secret.StringData, c.access.orgs)
	}
	kc, err := clientcmd.Load([]byte(secret.StringData["kubeconfig"]))
	if err != nil {
		t.Fatal(err)
	}
	ctx := kc.Contexts[kc.CurrentContext]
	if ctx.Namespace != "acme" || kc.AuthInfos[ctx.AuthInfo].TokenFile != "/etc/stax-shadow/token" ||
		kc.Clusters[ctx.Cluster].Server != "https://stax.example:6443" || strings.Contains(secret.StringData["kubeconfig"], "diff-acme") {
		t.Errorf("kubeconfig %s", secret.StringData["kubeconfig"])
	}
	// The baseline's and the overlay's Secret values do not include it
	// (nor does any log the runtime streams: stax-shadow's pods are no
	// environment's).
	if vals, _ := c.r.SecretValues(c.ctx, "acme", "shop"); slices.Contains(vals, "diff-acme") {
		t.Errorf("the baseline's secret values %v", vals)
	}
}

// The shadow lives as long as the overlay shadows: the baseline's Apply
// keeps it, another overlay cannot take it over, and turning it off,
// Stop and Delete of the overlay restore the baseline.
func TestShadowLifecycle(t *testing.T) {
	c := newShadowCluster(t)
	base, overlay := shadowedPlans()
	c.apply(overlay)

	c.apply(base)
	if got := c.shadowObjects(); !slices.Equal(got, allShadowObjects) {
		t.Errorf("after the baseline's Apply: %v", got)
	}
	if sel := c.selectorOf("stax-baseline-api"); !reflect.DeepEqual(sel, shadowPods("api", roleFront)) {
		t.Errorf("after the baseline's Apply, the router's default selects %v", sel)
	}

	// A second overlay routes but may not shadow api too; its route
	// keeps the first one's shadow in place.
	_, other := shadowedPlans()
	other.Environment = "other"
	err := c.r.Apply(c.ctx, other)
	if err == nil || !strings.Contains(err.Error(), "overlay feature already shadows it") {
		t.Errorf("a second overlay's shadow: %v", err)
	}
	if sel := c.selectorOf("stax-baseline-api"); !reflect.DeepEqual(sel, shadowPods("api", roleFront)) {
		t.Errorf("after another overlay's route, the router's default selects %v", sel)
	}
	other.Shadow = nil
	c.apply(other)
	if err := c.r.Delete(c.ctx, "acme", "other"); err != nil {
		t.Fatal(err)
	}
	if got := c.shadowObjects(); !slices.Equal(got, allShadowObjects) {
		t.Errorf("another overlay's Delete removed %v", got)
	}

	// Settings change: the new ones reach stax-shadow.
	overlay.Shadow.Percent = 5
	c.apply(overlay)
	front, err := c.client.AppsV1().Deployments(c.baseNs).Get(c.ctx, "stax-shadow-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if args := front.Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "5") {
		t.Errorf("after percent 5: %q", args)
	}

	overlay.Shadow = nil
	c.apply(overlay)
	c.assertUnshadowed("shadow off")
	if sel := c.selectorOf("api"); !reflect.DeepEqual(sel, map[string]string{LabelRouter: "api"}) {
		t.Errorf("shadow off: api selects %v, want the router still", sel)
	}

	_, overlay = shadowedPlans()
	c.apply(overlay)
	if err := c.r.Stop(c.ctx, "acme", "feature"); err != nil {
		t.Fatal(err)
	}
	c.assertUnshadowed("overlay stopped")
	c.apply(overlay)
	if got := c.shadowObjects(); !slices.Equal(got, allShadowObjects) {
		t.Errorf("after the resume: %v", got)
	}
	if err := c.r.Delete(c.ctx, "acme", "feature"); err != nil {
		t.Fatal(err)
	}
	if got := c.shadowObjects(); len(got) != 0 {
		t.Errorf("after Delete: %v", got)
	}
	if sel := c.selectorOf("api"); !reflect.DeepEqual(sel, serviceLabels("acme", "shop", "api")) {
		t.Errorf("after Delete, api selects %v", sel)
	}
}

// Without a way to mint stax-shadow's credential, a plan that shadows is
// refused before anything is written; one whose shadow has nothing to
// mirror needs none.
func TestShadowNeedsDiffAccess(t *testing.T) {
	client := fake.NewClientset()
	r, err := New(Config{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	base, overlay := shadowedPlans()
	if err := r.Apply(ctx, base); err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(ctx, overlay); !errors.Is(err, runtime.ErrNoDiffAccess) {
		t.Fatalf("Apply without diff access: %v", err)
	}
	if _, err := client.CoreV1().Namespaces().Get(ctx, NamespaceName("acme", "feature"), metav1.GetOptions{}); err == nil {
		t.Error("the refused overlay's namespace was written")
	}
	overlay.Services[0].Ports = []runtime.Port{{Name: "grpc", Port: 8080}}
	if err := r.Apply(ctx, overlay); err != nil {
		t.Errorf("a shadow of a non-HTTP service: %v", err)
	}
}

// A shadow whose baseline has no Deployment of the service to copy fails
// and leaves the router's default on the baseline's pods.
func TestShadowWithoutBaselineDeployment(t *testing.T) {
	c := newShadowCluster(t)
	if err := c.client.AppsV1().Deployments(c.baseNs).Delete(c.ctx, "api", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, overlay := shadowedPlans()
	if err := c.r.Apply(c.ctx, overlay); err == nil || !strings.Contains(err.Error(), "the baseline's Deployment") {
		t.Fatalf("Apply: %v", err)
	}
	c.assertUnshadowed("no baseline Deployment")
}

func matches(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}
