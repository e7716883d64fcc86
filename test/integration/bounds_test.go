package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
	envcontroller "github.com/microstax/stax/pkg/controller/environment"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
	"github.com/microstax/stax/pkg/runtime"
)

// manyServices is a blueprint of n services with a command each.
func manyServices(name string, n int) *staxv1.Environment {
	env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	for i := 0; i < n; i++ {
		env.Spec.Blueprint.Services = append(env.Spec.Blueprint.Services,
			staxv1.ServiceSpec{Name: fmt.Sprintf("s%05d", i), Command: []string{"./s"}})
	}
	return env
}

// TestBlueprintBoundsThroughTheAPI: a blueprint over a default bound is a
// 422 whose causes name the field.
func TestBlueprintBoundsThroughTheAPI(t *testing.T) {
	s := startInProcess(t, storeOnly)
	envs := s.Client.StaxV1alpha1().Environments(ns)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		env   *staxv1.Environment
		field string
	}{
		{"101 services", manyServices("services", 101), "spec.blueprint.services"},
		{"a billion replicas", func() *staxv1.Environment {
			e := newEnvironment("replicas", nil)
			e.Spec.Blueprint.Services[0].Replicas = ptr.To[int32](1_000_000_000)
			return e
		}(), "spec.blueprint.services[0].replicas"},
		{"infinite cpu", func() *staxv1.Environment {
			e := newEnvironment("cpu", nil)
			e.Spec.Blueprint.Services[0].Resources.Requests = staxv1.ResourceList{"cpu": intstr.FromString("1e1000000")}
			return e
		}(), "spec.blueprint.services[0].resources.requests[cpu]"},
		{"an empty command", func() *staxv1.Environment {
			e := newEnvironment("command", nil)
			e.Spec.Blueprint.Services[1].Command = []string{""}
			return e
		}(), "spec.blueprint.services[1].command[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := envs.Create(ctx, tc.env, metav1.CreateOptions{})
			if code(err) != http.StatusUnprocessableEntity {
				t.Fatalf("want a 422, got %v", err)
			}
			if !hasCause(err, tc.field) {
				t.Fatalf("want a cause at %s, got %v", tc.field, err)
			}
		})
	}
}

// TestStatusTooLargeFails: an environment whose status cannot be stored
// (a server whose bounds were raised too far) ends Failed with a message
// that fits, and the controller stops writing it.
func TestStatusTooLargeFails(t *testing.T) {
	const services = 4000
	s := startInProcess(t, storeOnly, func(o *server.Options) {
		o.BlueprintLimits.Limits.MaxServicesPerBlueprint = 20000
		o.BlueprintLimits.Limits.MaxReplicasPerEnvironment = 20000
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	envs := s.Client.StaxV1alpha1().Environments(ns)
	if _, err := envs.Create(ctx, manyServices("huge", services), metav1.CreateOptions{}); err != nil {
		t.Fatalf("the spec alone must fit: %v", err)
	}

	// What the controller meets, as the apiserver answers it: etcd's limit
	// (1.5 MiB) and, above 2 MiB, the etcd client's, both as a 500; above
	// 3 MiB the apiserver refuses the body itself, a 413.
	for _, tc := range []struct {
		messageBytes int
		code         int32
		want         string
	}{
		{320, http.StatusInternalServerError, "etcdserver: request is too large"},
		{420, http.StatusInternalServerError, "trying to send message larger than max"},
		{800, http.StatusRequestEntityTooLarge, "Request entity too large"},
	} {
		probe, err := envs.Get(ctx, "huge", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		probe.ManagedFields = nil // only the status counts
		for _, svc := range probe.Spec.Blueprint.Services {
			probe.Status.Services = append(probe.Status.Services, staxv1.ServiceStatus{Name: svc.Name, Message: strings.Repeat("x", tc.messageBytes)})
		}
		_, err = envs.UpdateStatus(ctx, probe, metav1.UpdateOptions{})
		t.Logf("a status of %d-byte messages is answered: %d %v", tc.messageBytes, code(err), err)
		if code(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("a status of %d-byte messages: want a %d saying %q, got %v", tc.messageBytes, tc.code, tc.want, err)
		}
	}

	rt := &chattyRuntime{}
	factory := externalversions.NewSharedInformerFactory(s.Client, 0)
	c := envcontroller.New(s.Client, factory.Stax().V1alpha1().Environments(), rt, nopActivity{})
	c.ActivePoll, c.SteadyPoll = 50*time.Millisecond, 50*time.Millisecond
	factory.Start(ctx.Done())
	go c.Run(ctx, 1)

	got := &staxv1.Environment{}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		e, err := envs.Get(ctx, "huge", metav1.GetOptions{})
		if err == nil {
			got = e
		}
		return err == nil && got.Status.Phase == staxv1.EnvironmentFailed, nil
	})
	if err != nil {
		t.Fatalf("the environment never failed: phase %q, %v", got.Status.Phase, err)
	}
	ready := meta.FindStatusCondition(got.Status.Conditions, staxv1.ConditionReady)
	if ready == nil || ready.Reason != envcontroller.ReasonStatusTooLarge || !strings.Contains(ready.Message, "4000 services") ||
		got.Status.ObservedGeneration != got.Generation {
		t.Fatalf("Ready condition %+v, observed generation %d of %d", ready, got.Status.ObservedGeneration, got.Generation)
	}

	// That generation is not tried again: the runtime is not asked, the
	// status not rewritten.
	calls, rv := rt.count(), got.ResourceVersion
	time.Sleep(time.Second) // twenty polls
	if n := rt.count(); n != calls {
		t.Errorf("the runtime was asked %d more times after the failure", n-calls)
	}
	if again, err := envs.Get(ctx, "huge", metav1.GetOptions{}); err != nil || again.ResourceVersion != rv {
		t.Errorf("the environment was written again after the failure: %v", err)
	}
}

func code(err error) int32 {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Code
	}
	return 0
}

// chattyRuntime runs nothing and reports every planned service with a long
// message, so that the status outgrows what etcd stores.
type chattyRuntime struct {
	mu    sync.Mutex
	plan  runtime.Plan
	calls int
}

func (r *chattyRuntime) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

func (r *chattyRuntime) Apply(_ context.Context, p runtime.Plan) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	r.plan = p
	return nil
}

func (r *chattyRuntime) Status(context.Context, string, string) (runtime.EnvironmentState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.plan.Services == nil {
		return runtime.EnvironmentState{}, runtime.ErrNotFound
	}
	st := runtime.EnvironmentState{LastProbe: time.Now()}
	for _, s := range r.plan.Services {
		st.Services = append(st.Services, runtime.ServiceState{Name: s.Name, Desired: s.Replicas,
			Health: runtime.HealthUnhealthy, Reason: "Probe", Message: strings.Repeat("connection refused ", 20)})
	}
	return st, nil
}

func (r *chattyRuntime) Stop(context.Context, string, string) error   { return nil }
func (r *chattyRuntime) Delete(context.Context, string, string) error { return nil }
func (r *chattyRuntime) Logs(context.Context, string, string, runtime.LogOptions) (io.ReadCloser, error) {
	return nil, errors.New("no logs")
}
func (r *chattyRuntime) SecretValues(context.Context, string, string) ([]string, error) {
	return nil, nil
}

type nopActivity struct{}

func (nopActivity) Last(string, string) time.Time { return time.Time{} }
func (nopActivity) Touch(string, string)          {}
func (nopActivity) Forget(string, string)         {}
