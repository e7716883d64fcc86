package baseline

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
)

func environment(name string, phase staxv1.EnvironmentPhase, baseline string) *staxv1.Environment {
	e := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme"}, Status: staxv1.EnvironmentStatus{Phase: phase}}
	if baseline != "" {
		e.Spec.BaselineRef = &staxv1.BaselineReference{Name: baseline}
	}
	return e
}

func baselineOf(env string, mutate ...func(*staxv1.Baseline)) *staxv1.Baseline {
	b := &staxv1.Baseline{ObjectMeta: metav1.ObjectMeta{Name: "main", Namespace: "acme", Finalizers: []string{staxv1.BaselineFinalizer}},
		Spec: staxv1.BaselineSpec{EnvironmentRef: staxv1.EnvironmentReference{Name: env}}}
	for _, m := range mutate {
		m(b)
	}
	return b
}

// harness is a controller on a fake clientset whose listers hold objs.
func harness(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	factory := externalversions.NewSharedInformerFactory(client, 0)
	baselines, envs := factory.Stax().V1alpha1().Baselines(), factory.Stax().V1alpha1().Environments()
	for _, o := range objs {
		indexer := envs.Informer().GetIndexer()
		if _, ok := o.(*staxv1.Baseline); ok {
			indexer = baselines.Informer().GetIndexer()
		}
		if err := indexer.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	c := New(client, baselines, envs)
	client.ClearActions()
	return c, client
}

func writes(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		if v := a.GetVerb(); v != "get" && v != "list" && v != "watch" {
			w := v + " " + a.GetResource().Resource
			if a.GetSubresource() != "" {
				w += "/" + a.GetSubresource()
			}
			out = append(out, w)
		}
	}
	return out
}

func TestSyncStatusFollowsEnvironmentAndOverlays(t *testing.T) {
	c, client := harness(t, baselineOf("shop"), environment("shop", staxv1.EnvironmentStopped, ""),
		environment("feature", staxv1.EnvironmentReady, "main"), environment("other", staxv1.EnvironmentReady, "elsewhere"))
	if _, err := c.sync(context.Background(), "acme/main"); err != nil {
		t.Fatal(err)
	}
	b, err := client.StaxV1alpha1().Baselines("acme").Get(context.Background(), "main", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Status.Phase != staxv1.EnvironmentStopped || b.Status.Overlays != 1 {
		t.Errorf("status = %+v, want Stopped and 1 overlay", b.Status)
	}

	// Unchanged: no write. Environment gone: Missing.
	c, client = harness(t, baselineOf("shop", func(b *staxv1.Baseline) { b.Status.Phase = staxv1.BaselineEnvironmentMissing }))
	if _, err := c.sync(context.Background(), "acme/main"); err != nil {
		t.Fatal(err)
	}
	if w := writes(client); len(w) != 0 {
		t.Errorf("writes = %v, want none", w)
	}
}

func TestFinalizerWaitsForOverlays(t *testing.T) {
	now := metav1.Now()
	deleting := func(b *staxv1.Baseline) { b.DeletionTimestamp = &now }
	for _, tc := range []struct {
		name       string
		overlay    bool
		wantWrites []string
	}{
		{"with an overlay", true, nil},
		{"without overlays", false, []string{"update baselines"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := []runtime.Object{baselineOf("shop", deleting), environment("shop", staxv1.EnvironmentReady, "")}
			if tc.overlay {
				objs = append(objs, environment("feature", staxv1.EnvironmentReady, "main"))
			}
			c, client := harness(t, objs...)
			if _, err := c.sync(context.Background(), "acme/main"); err != nil {
				t.Fatal(err)
			}
			if got := writes(client); !slices.Equal(got, tc.wantWrites) {
				t.Fatalf("writes = %v, want %v", got, tc.wantWrites)
			}
		})
	}
}

func TestDependentOverlays(t *testing.T) {
	c, _ := harness(t, baselineOf("shop"), environment("shop", staxv1.EnvironmentReady, ""),
		environment("b", staxv1.EnvironmentReady, "main"), environment("a", staxv1.EnvironmentReady, "main"))
	if got := DependentOverlays(c.baselines, c.envs, "acme", "shop"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("overlays of shop = %v", got)
	}
	if got := DependentOverlays(c.baselines, c.envs, "acme", "a"); len(got) != 0 {
		t.Errorf("overlays of an overlay = %v", got)
	}
}
