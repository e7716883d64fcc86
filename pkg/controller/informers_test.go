package controller

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
)

// TestNamespacedInformerFactory: a factory of one namespace does not see
// another's environments (stax-controller-manager --namespace); the
// factory of all namespaces sees both.
func TestNamespacedInformerFactory(t *testing.T) {
	env := func(ns, name string) *staxv1.Environment {
		return &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	client := fake.NewSimpleClientset(env("ctl", "mine"), env("acme", "theirs"))
	for _, tc := range []struct {
		namespace string
		want      int
	}{{"ctl", 1}, {metav1.NamespaceAll, 2}} {
		ctx, cancel := context.WithCancel(context.Background())
		f := NewNamespacedInformerFactory(client, tc.namespace)
		lister := f.Stax().V1alpha1().Environments().Lister()
		f.Start(ctx.Done())
		f.WaitForCacheSync(ctx.Done())
		got, err := lister.List(labels.Everything())
		cancel()
		f.Shutdown()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("namespace %q: %d environments, want %d", tc.namespace, len(got), tc.want)
		}
		for _, e := range got {
			if tc.namespace != metav1.NamespaceAll && e.Namespace != tc.namespace {
				t.Errorf("namespace %q: saw %s/%s", tc.namespace, e.Namespace, e.Name)
			}
		}
	}
}
