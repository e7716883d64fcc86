package environment

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
)

// An environment that overlays depend on (through a Baseline promoted from
// it) is neither stopped by its idle timeout nor deleted at its time to
// live: the timers wait. Without the overlay they fire as usual.
func TestAutoShutdownWaitsForOverlays(t *testing.T) {
	expired := &staxv1.AutoShutdown{
		IdleTimeout: &metav1.Duration{Duration: 5 * time.Minute},
		TimeToLive:  &metav1.Duration{Duration: time.Hour},
	}
	for _, tc := range []struct {
		name       string
		overlay    bool
		wantWrites []string
	}{
		{"with an overlay", true, []string{"update environments/status"}},
		{"without overlays", false, []string{"delete environments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnvironment(func(e *staxv1.Environment) { e.Spec.AutoShutdown = expired })
			objs := []runtime.Object{env}
			if tc.overlay {
				objs = append(objs, testEnvironment(func(e *staxv1.Environment) {
					e.Name = "feature"
					e.Spec.BaselineRef = &staxv1.BaselineReference{Name: "main"}
				}))
			}
			baseline := &staxv1.Baseline{
				ObjectMeta: metav1.ObjectMeta{Name: "main", Namespace: "acme"},
				Spec:       staxv1.BaselineSpec{EnvironmentRef: staxv1.EnvironmentReference{Name: "demo"}},
			}
			client := fake.NewSimpleClientset(append(objs, baseline)...)
			factory := externalversions.NewSharedInformerFactory(client, 0)
			envs, baselines := factory.Stax().V1alpha1().Environments(), factory.Stax().V1alpha1().Baselines()
			for _, o := range objs {
				if err := envs.Informer().GetIndexer().Add(o); err != nil {
					t.Fatal(err)
				}
			}
			if err := baselines.Informer().GetIndexer().Add(baseline); err != nil {
				t.Fatal(err)
			}
			c := New(client, envs, &fakeRuntime{}, &fakeActivity{last: t0.Add(-time.Hour)})
			c.WatchBaselines(baselines)
			c.now = func() time.Time { return t0 }
			client.ClearActions()
			if _, err := c.sync(context.Background(), "acme/demo"); err != nil {
				t.Fatal(err)
			}
			if got := writes(client); !slices.Equal(got, tc.wantWrites) {
				t.Fatalf("writes = %v, want %v", got, tc.wantWrites)
			}
		})
	}
}
