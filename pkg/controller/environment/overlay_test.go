package environment

import (
	"context"
	"reflect"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
	"github.com/microstax/stax/pkg/runtime"
)

// overlayHarness: a Baseline "main" of environment "shop" (db, api, web,
// in that phase) and an overlay "feature" that changes only api.
func overlayHarness(t *testing.T, phase staxv1.EnvironmentPhase, rt *fakeRuntime) (*Controller, *fake.Clientset) {
	t.Helper()
	port := func(n int32) []staxv1.ServicePort { return []staxv1.ServicePort{{Name: "http", Port: n}} }
	blueprint := staxv1.Blueprint{Services: []staxv1.ServiceSpec{
		{Name: "db", Command: []string{"db"}, Ports: port(5432)},
		{Name: "api", Command: []string{"api"}, Ports: port(8080), DependsOn: []string{"db"}},
		{Name: "web", Command: []string{"web"}, Ports: port(80), DependsOn: []string{"api"}},
	}}
	shop := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "acme"},
		Spec: staxv1.EnvironmentSpec{Blueprint: blueprint},
		Status: staxv1.EnvironmentStatus{Phase: phase, Services: []staxv1.ServiceStatus{
			{Name: "db", DesiredReplicas: 1, ReadyReplicas: 1, Health: runtime.HealthHealthy, Endpoint: "127.0.0.1:4001"},
			{Name: "api", DesiredReplicas: 1, ReadyReplicas: 1, Health: runtime.HealthHealthy, Endpoint: "127.0.0.1:4002"},
			{Name: "web", DesiredReplicas: 1, ReadyReplicas: 1, Health: runtime.HealthHealthy, Endpoint: "127.0.0.1:4003"},
		}}}
	overlay := &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "feature", Namespace: "acme", UID: "feature-uid-1", Generation: 1,
			Finalizers: []string{Finalizer}, CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))},
		Spec: staxv1.EnvironmentSpec{BaselineRef: &staxv1.BaselineReference{Name: "main"}, Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			{Name: "api", Command: []string{"api-v2"}, Ports: port(8080), DependsOn: []string{"db"}, Replicas: ptr.To[int32](2),
				Resources: staxv1.ResourceRequirements{Requests: staxv1.ResourceList{"cpu": intstrQ("1")}}},
		}}},
	}
	baseline := &staxv1.Baseline{ObjectMeta: metav1.ObjectMeta{Name: "main", Namespace: "acme"},
		Spec:   staxv1.BaselineSpec{EnvironmentRef: staxv1.EnvironmentReference{Name: "shop"}},
		Status: staxv1.BaselineStatus{Blueprint: blueprint, Phase: phase}}
	client := fake.NewSimpleClientset(shop, overlay, baseline)
	factory := externalversions.NewSharedInformerFactory(client, 0)
	envs, baselines := factory.Stax().V1alpha1().Environments(), factory.Stax().V1alpha1().Baselines()
	for _, o := range []kruntime.Object{shop, overlay} {
		if err := envs.Informer().GetIndexer().Add(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := baselines.Informer().GetIndexer().Add(baseline); err != nil {
		t.Fatal(err)
	}
	c := New(client, envs, rt, &fakeActivity{})
	c.WatchBaselines(baselines)
	c.now = func() time.Time { return t0 }
	return c, client
}

func storedNamed(t *testing.T, client *fake.Clientset, name string) *staxv1.Environment {
	t.Helper()
	e, err := client.StaxV1alpha1().Environments("acme").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The runtime gets the overlay's own services and, for the rest of the
// baseline, the endpoints its environment reports; the status lists the
// whole topology, own and shared.
func TestOverlayPlanAndStatus(t *testing.T) {
	rt := &fakeRuntime{}
	c, client := overlayHarness(t, staxv1.EnvironmentReady, rt)
	if _, err := c.sync(context.Background(), "acme/feature"); err != nil {
		t.Fatal(err)
	}
	if len(rt.applied) != 1 {
		t.Fatalf("applied %d plans", len(rt.applied))
	}
	plan := rt.applied[0]
	if len(plan.Services) != 1 || plan.Services[0].Name != "api" {
		t.Fatalf("the overlay runs %+v, want only api", plan.Services)
	}
	want := &runtime.BaselineLink{Environment: "shop", Shared: []runtime.BaselineService{
		{Name: "db", Endpoint: "127.0.0.1:4001", Port: 5432}, {Name: "web", Endpoint: "127.0.0.1:4003", Port: 80}},
		Changed: []runtime.BaselineService{{Name: "api", Endpoint: "127.0.0.1:4002", Port: 8080}}}
	if !reflect.DeepEqual(plan.Baseline, want) {
		t.Fatalf("baseline link %+v, want %+v", plan.Baseline, want)
	}

	st := storedNamed(t, client, "feature").Status
	var got []string
	for _, s := range st.Services {
		got = append(got, s.Name+" "+s.Source+" "+s.Endpoint)
	}
	if !reflect.DeepEqual(got, []string{"api own ", "db shared 127.0.0.1:4001", "web shared 127.0.0.1:4003"}) {
		t.Fatalf("status.services: %q", got)
	}
	// Ready counts the overlay's own services only.
	rt.state.Services[0].Ready, rt.state.Services[0].Health = 2, runtime.HealthHealthy
	if _, err := c.sync(context.Background(), "acme/feature"); err != nil {
		t.Fatal(err)
	}
	if st := storedNamed(t, client, "feature").Status; st.Phase != staxv1.EnvironmentReady {
		t.Fatalf("phase %s, conditions %+v", st.Phase, st.Conditions)
	}

	// The record of the overlay counts what it ran: api's two replicas.
	r := recordFor(storedNamed(t, client, "feature"), t0.Add(time.Hour))
	if r.Usage.ReplicaHours != "2.0000" || r.Usage.CPUCoreHours != "2.0000" {
		t.Errorf("record usage %+v, want 2 replica-hours and 2 core-hours of api alone", r.Usage)
	}
}

// An overlay whose baseline is Stopped or Degraded is Degraded itself,
// with reason BaselineUnavailable naming the baseline's phase.
func TestOverlayOfUnavailableBaseline(t *testing.T) {
	for _, phase := range []staxv1.EnvironmentPhase{staxv1.EnvironmentStopped, staxv1.EnvironmentDegraded} {
		t.Run(string(phase), func(t *testing.T) {
			c, client := overlayHarness(t, phase, &fakeRuntime{})
			if _, err := c.sync(context.Background(), "acme/feature"); err != nil {
				t.Fatal(err)
			}
			st := storedNamed(t, client, "feature").Status
			cond := meta.FindStatusCondition(st.Conditions, staxv1.ConditionReady)
			want := "baseline main: environment shop is " + string(phase)
			if st.Phase != staxv1.EnvironmentDegraded || cond == nil || cond.Reason != ReasonBaselineUnavailable || cond.Message != want {
				t.Fatalf("phase %s, Ready %+v; want Degraded, %s, %q", st.Phase, cond, ReasonBaselineUnavailable, want)
			}
		})
	}
}
