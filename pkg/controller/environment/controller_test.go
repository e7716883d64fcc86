package environment

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
	"github.com/microstax/stax/pkg/runtime"
)

// fakeRuntime records what the controller asks of it and answers Status
// from what the test set.
type fakeRuntime struct {
	mu       sync.Mutex
	calls    []string
	applied  []runtime.Plan
	state    *runtime.EnvironmentState // nil: the runtime does not know it
	applyErr error
}

func (f *fakeRuntime) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeRuntime) Apply(_ context.Context, p runtime.Plan) error {
	f.record("apply")
	f.applied = append(f.applied, p)
	if f.applyErr == nil && f.state == nil {
		f.state = &runtime.EnvironmentState{}
		for _, s := range p.Services {
			f.state.Services = append(f.state.Services, runtime.ServiceState{Name: s.Name, Desired: s.Replicas, Health: runtime.HealthUnknown})
		}
	}
	return f.applyErr
}

func (f *fakeRuntime) Stop(context.Context, string, string) error {
	f.record("stop")
	if f.state != nil {
		for i := range f.state.Services {
			f.state.Services[i].Health, f.state.Services[i].Ready = runtime.HealthStopped, 0
		}
	}
	return nil
}

func (f *fakeRuntime) Status(context.Context, string, string) (runtime.EnvironmentState, error) {
	f.record("status")
	if f.state == nil {
		return runtime.EnvironmentState{}, runtime.ErrNotFound
	}
	return *f.state, nil
}

func (f *fakeRuntime) Logs(context.Context, string, string, runtime.LogOptions) (io.ReadCloser, error) {
	return nil, errors.New("no logs")
}

func (f *fakeRuntime) SecretValues(context.Context, string, string) ([]string, error) {
	return nil, nil
}

func (f *fakeRuntime) Delete(context.Context, string, string) error {
	f.record("delete")
	f.state = nil
	return nil
}

type fakeActivity struct{ last time.Time }

func (a *fakeActivity) Last(string, string) time.Time { return a.last }
func (a *fakeActivity) Touch(string, string)          {}
func (a *fakeActivity) Forget(string, string)         {}

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func testEnvironment(mutate ...func(*staxv1.Environment)) *staxv1.Environment {
	e := &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "acme", UID: "0123456789ab", Generation: 1,
			CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour)), Finalizers: []string{Finalizer}},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			{Name: "db", Command: []string{"db"}, Resources: staxv1.ResourceRequirements{
				Requests: staxv1.ResourceList{"cpu": intstrQ("500m"), "memory": intstrQ("1Gi")}}},
			{Name: "api", Command: []string{"api"}, Replicas: ptr.To[int32](2), DependsOn: []string{"db"}},
		}}},
	}
	for _, m := range mutate {
		m(e)
	}
	return e
}

// harness is a controller on a fake clientset whose lister holds env.
func harness(t *testing.T, env *staxv1.Environment, rt *fakeRuntime, act *fakeActivity) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewSimpleClientset(env)
	factory := externalversions.NewSharedInformerFactory(client, 0)
	informer := factory.Stax().V1alpha1().Environments()
	if err := informer.Informer().GetIndexer().Add(env); err != nil {
		t.Fatal(err)
	}
	c := New(client, informer, rt, act)
	c.now = func() time.Time { return t0 }
	client.ClearActions()
	return c, client
}

// writes are the verbs and subresources the controller sent, in order.
func writes(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		if a.GetVerb() == "get" || a.GetVerb() == "list" || a.GetVerb() == "watch" {
			continue
		}
		w := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			w += "/" + a.GetSubresource()
		}
		out = append(out, w)
	}
	return out
}

func stored(t *testing.T, client *fake.Clientset) *staxv1.Environment {
	t.Helper()
	e, err := client.StaxV1alpha1().Environments("acme").Get(context.Background(), "demo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSyncAddsTheFinalizerFirst(t *testing.T) {
	rt := &fakeRuntime{}
	c, client := harness(t, testEnvironment(func(e *staxv1.Environment) { e.Finalizers = nil }), rt, &fakeActivity{})
	if _, err := c.sync(context.Background(), "acme/demo"); err != nil {
		t.Fatal(err)
	}
	if got := writes(client); !slices.Equal(got, []string{"update environments"}) {
		t.Fatalf("writes = %v", got)
	}
	if !hasFinalizer(stored(t, client)) {
		t.Error("the finalizer was not added")
	}
	if len(rt.calls) != 0 {
		t.Errorf("the runtime was used before the finalizer was stored: %v", rt.calls)
	}
}

func TestSyncAppliesThePlanAndWritesStatus(t *testing.T) {
	rt := &fakeRuntime{}
	c, client := harness(t, testEnvironment(), rt, &fakeActivity{})
	poll, err := c.sync(context.Background(), "acme/demo")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rt.calls, []string{"status", "apply", "status"}) {
		t.Fatalf("runtime calls = %v", rt.calls)
	}
	plan := rt.applied[0]
	if plan.Organization != "acme" || plan.Environment != "demo" || len(plan.Services) != 2 {
		t.Fatalf("plan = %+v", plan)
	}
	db, api := plan.Services[0], plan.Services[1]
	cpu, mem := db.Requests["cpu"], db.Requests["memory"]
	if db.Replicas != 1 || api.Replicas != 2 || cpu.MilliValue() != 500 || mem.Value() != 1<<30 {
		t.Errorf("defaults or quantities lost in the plan: %+v", plan.Services)
	}
	if got := writes(client); !slices.Equal(got, []string{"update environments/status"}) {
		t.Fatalf("writes = %v", got)
	}
	st := stored(t, client).Status
	if st.Phase != staxv1.EnvironmentProvisioning || st.ObservedGeneration != 1 || len(st.Services) != 2 ||
		st.Services[1].DesiredReplicas != 2 {
		t.Errorf("status = %+v", st)
	}
	if poll != c.ActivePoll {
		t.Errorf("a provisioning environment is polled in %v, want %v", poll, c.ActivePoll)
	}

	// Once every replica is ready the phase is Ready and the poll slows.
	for i := range rt.state.Services {
		rt.state.Services[i].Ready, rt.state.Services[i].Health = rt.state.Services[i].Desired, runtime.HealthHealthy
	}
	updateLister(t, c, stored(t, client))
	rt.calls = nil
	client.ClearActions()
	if poll, err = c.sync(context.Background(), "acme/demo"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rt.calls, []string{"status"}) {
		t.Errorf("a converged environment was applied again: %v", rt.calls)
	}
	if st := stored(t, client).Status; st.Phase != staxv1.EnvironmentReady || poll != c.SteadyPoll {
		t.Errorf("phase %s, poll %v; want Ready, %v", st.Phase, poll, c.SteadyPoll)
	}
}

func TestSyncReportsARefusedPlan(t *testing.T) {
	rt := &fakeRuntime{applyErr: errors.New("service db has no image")}
	c, client := harness(t, testEnvironment(), rt, &fakeActivity{})
	poll, err := c.sync(context.Background(), "acme/demo")
	if err != nil {
		t.Fatal(err)
	}
	st := stored(t, client).Status
	if st.Phase != staxv1.EnvironmentFailed || poll != c.SteadyPoll {
		t.Fatalf("phase %s, poll %v", st.Phase, poll)
	}
	if cond := findCondition(st, staxv1.ConditionProvisioned); cond == nil || cond.Message != "service db has no image" {
		t.Errorf("Provisioned condition = %+v", cond)
	}
}

func TestSyncStopsAPausedEnvironment(t *testing.T) {
	rt := &fakeRuntime{state: &runtime.EnvironmentState{Services: []runtime.ServiceState{
		{Name: "db", Desired: 1, Ready: 1, Health: runtime.HealthHealthy}}}}
	started := metav1.NewTime(t0.Add(-10 * time.Minute))
	c, client := harness(t, testEnvironment(func(e *staxv1.Environment) {
		e.Spec.Paused = true
		e.Status = staxv1.EnvironmentStatus{Phase: staxv1.EnvironmentReady, ObservedGeneration: 1, StartedAt: &started}
	}), rt, &fakeActivity{})
	if _, err := c.sync(context.Background(), "acme/demo"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rt.calls, []string{"stop", "status"}) {
		t.Fatalf("runtime calls = %v", rt.calls)
	}
	st := stored(t, client).Status
	if st.Phase != staxv1.EnvironmentStopped || st.RunningSeconds != 600 || st.StartedAt != nil || st.StoppedAt == nil {
		t.Errorf("status = %+v", st)
	}
}

func TestSyncAutoShutdown(t *testing.T) {
	for _, tc := range []struct {
		name     string
		autoStop staxv1.AutoShutdown
		lastUsed time.Time
		// statusUsed is status.lastUsedTime: use through another replica.
		statusUsed time.Time
		wantWrites []string
	}{
		{"time to live reached", staxv1.AutoShutdown{TimeToLive: &metav1.Duration{Duration: time.Hour}}, t0, time.Time{},
			[]string{"delete environments"}},
		{"idle for the timeout", staxv1.AutoShutdown{IdleTimeout: &metav1.Duration{Duration: 5 * time.Minute}}, t0.Add(-5 * time.Minute),
			time.Time{}, []string{"patch environments"}},
		{"used recently", staxv1.AutoShutdown{IdleTimeout: &metav1.Duration{Duration: 5 * time.Minute}, TimeToLive: &metav1.Duration{Duration: 2 * time.Hour}},
			t0.Add(-time.Minute), time.Time{}, []string{"update environments/status"}},
		{"used recently through another replica", staxv1.AutoShutdown{IdleTimeout: &metav1.Duration{Duration: 5 * time.Minute}, TimeToLive: &metav1.Duration{Duration: 2 * time.Hour}},
			t0.Add(-5 * time.Minute), t0.Add(-time.Minute), []string{"update environments/status"}},
		{"used long ago through another replica", staxv1.AutoShutdown{IdleTimeout: &metav1.Duration{Duration: 5 * time.Minute}},
			t0.Add(-6 * time.Minute), t0.Add(-5 * time.Minute), []string{"patch environments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := &fakeRuntime{}
			c, client := harness(t, testEnvironment(func(e *staxv1.Environment) {
				e.Spec.AutoShutdown = &tc.autoStop
				if !tc.statusUsed.IsZero() {
					e.Status.LastUsedTime = &metav1.Time{Time: tc.statusUsed}
				}
			}), rt, &fakeActivity{last: tc.lastUsed})
			if _, err := c.sync(context.Background(), "acme/demo"); err != nil {
				t.Fatal(err)
			}
			if got := writes(client); !slices.Equal(got, tc.wantWrites) {
				t.Fatalf("writes = %v, want %v", got, tc.wantWrites)
			}
			if len(tc.wantWrites) == 1 && tc.wantWrites[0] == "patch environments" {
				if !stored(t, client).Spec.Paused {
					t.Error("the idle environment was not paused")
				}
			}
			if tc.wantWrites[0] != "update environments/status" && len(rt.calls) != 0 {
				t.Errorf("the runtime was used by a sync that shut the environment down: %v", rt.calls)
			}
		})
	}
}

func TestSyncFinalizesADeletedEnvironment(t *testing.T) {
	rt := &fakeRuntime{state: &runtime.EnvironmentState{}}
	started := metav1.NewTime(t0.Add(-2 * time.Hour))
	deleted := metav1.NewTime(t0)
	c, client := harness(t, testEnvironment(func(e *staxv1.Environment) {
		e.DeletionTimestamp = &deleted
		e.Status = staxv1.EnvironmentStatus{Phase: staxv1.EnvironmentReady, StartedAt: &started}
	}), rt, &fakeActivity{})
	if _, err := c.sync(context.Background(), "acme/demo"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rt.calls, []string{"delete"}) {
		t.Fatalf("runtime calls = %v", rt.calls)
	}
	want := []string{"update environments/status", "create environmentrecords", "update environments"}
	if got := writes(client); !slices.Equal(got, want) {
		t.Fatalf("writes = %v, want %v", got, want)
	}
	if hasFinalizer(stored(t, client)) {
		t.Error("the finalizer is still there")
	}
	rec, err := client.StaxV1alpha1().EnvironmentRecords("acme").Get(context.Background(), "demo-01234567", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Two hours of db (0.5 cpu, 1 GiB, 1 replica) and api (2 replicas).
	if rec.RunningSeconds != 7200 || rec.Usage.CPUCoreHours != "1.0000" || rec.Usage.MemoryGiBHours != "2.0000" ||
		rec.Usage.ReplicaHours != "6.0000" {
		t.Errorf("record = %+v, usage %+v", rec, rec.Usage)
	}
}

func TestSyncForgetsAGoneEnvironment(t *testing.T) {
	rt := &fakeRuntime{}
	c, client := harness(t, testEnvironment(), rt, &fakeActivity{})
	if _, err := c.sync(context.Background(), "acme/other"); err != nil {
		t.Fatal(err)
	}
	if len(rt.calls) != 0 || len(writes(client)) != 0 {
		t.Errorf("a gone environment was acted on: runtime %v, writes %v", rt.calls, writes(client))
	}
}

func updateLister(t *testing.T, c *Controller, env *staxv1.Environment) {
	t.Helper()
	client := fake.NewSimpleClientset()
	factory := externalversions.NewSharedInformerFactory(client, 0)
	informer := factory.Stax().V1alpha1().Environments()
	if err := informer.Informer().GetIndexer().Add(env); err != nil {
		t.Fatal(err)
	}
	c.lister = informer.Lister()
}

func findCondition(st staxv1.EnvironmentStatus, typ string) *metav1.Condition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == typ {
			return &st.Conditions[i]
		}
	}
	return nil
}

func intstrQ(v string) intstr.IntOrString { return intstr.FromString(v) }

// An environment created paused was never run: the runtime knows nothing
// of it, so it is Stopped at once (it used to stay Stopping), and nothing
// is applied until it is resumed.
func TestSyncCreatedPausedIsStopped(t *testing.T) {
	rt := &fakeRuntime{}
	c, client := harness(t, testEnvironment(func(e *staxv1.Environment) {
		e.Spec.Paused = true
		e.Status = staxv1.EnvironmentStatus{Phase: staxv1.EnvironmentPending}
	}), rt, &fakeActivity{})
	if _, err := c.sync(context.Background(), "acme/demo"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rt.calls, []string{"stop", "status"}) {
		t.Fatalf("runtime calls = %v", rt.calls)
	}
	if st := stored(t, client).Status; st.Phase != staxv1.EnvironmentStopped || st.RunningSeconds != 0 {
		t.Errorf("status = %+v", st)
	}
}
