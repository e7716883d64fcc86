package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"

	"github.com/microstax/stax/pkg/cmd/server"
	envcontroller "github.com/microstax/stax/pkg/controller/environment"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
	"github.com/microstax/stax/pkg/runtime"
)

// BenchmarkAuthenticatedGet measures GETs of one environment against a
// running server: with a client certificate, and with a hybrid token with and
// without the verification cache. Run with:
//
//	go test ./test/integration -run '^$' -bench AuthenticatedGet -benchtime 3000x
func BenchmarkAuthenticatedGet(b *testing.B) {
	for _, cacheSize := range []int{4096, 0} {
		s := startInProcess(b, storeOnly, func(o *server.Options) { o.Identity.CacheSize = cacheSize })
		ctx := context.Background()
		if _, err := s.Client.StaxV1alpha1().Environments(ns).Create(ctx, newEnvironment("bench", nil), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		token := mintWithCLI(b, s, ns, "bench")
		clients := map[string]versioned.Interface{"token": tokenClient(b, s, token)}
		if cacheSize > 0 {
			clients["client-cert"] = s.Client
		}
		for _, kind := range []string{"client-cert", "token"} {
			c, ok := clients[kind]
			if !ok {
				continue
			}
			name := kind
			if kind == "token" {
				name = fmt.Sprintf("token/cache=%d", cacheSize)
			}
			b.Run(name, func(b *testing.B) {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := c.StaxV1alpha1().Environments(ns).Get(ctx, "bench", metav1.GetOptions{}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}

// BenchmarkCreateToReady measures, through the API, the time from create to
// the Ready condition on the local runtime, for blueprints of 3 and 20
// services (each one replica of stax-demo-service, 20 as four layers of five
// with dependencies between layers), and for 50 and 200 three-service
// environments created at once (200: 600 processes). Run with:
//
//	go test ./test/integration -run '^$' -bench CreateToReady -benchtime 3x
func BenchmarkCreateToReady(b *testing.B) {
	s := startInProcess(b)
	ctx := context.Background()
	demoService(b) // built once, before any timing
	blueprint := func(services int) []staxv1.ServiceSpec {
		var out []staxv1.ServiceSpec
		for i := 0; i < services; i++ {
			var deps []string
			if i >= 5 {
				deps = []string{fmt.Sprintf("svc-%d", i-5)}
			}
			out = append(out, demo(b, fmt.Sprintf("svc-%d", i), 1, deps))
		}
		return out
	}
	run := func(b *testing.B, envCount, services int) {
		for n := 0; n < b.N; n++ {
			start := time.Now()
			names := make([]string, envCount)
			for i := range names {
				names[i] = fmt.Sprintf("bench-%d-%d-%d", services, n, i)
				e := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: names[i], Namespace: ns},
					Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: blueprint(services)}}}
				if _, err := s.Client.StaxV1alpha1().Environments(ns).Create(ctx, e, metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			waitAllReady(b, s, names)
			b.ReportMetric(time.Since(start).Seconds(), "s-to-all-ready")
			b.StopTimer()
			for _, name := range names {
				_ = s.Client.StaxV1alpha1().Environments(ns).Delete(ctx, name, metav1.DeleteOptions{})
			}
			for _, name := range names {
				_ = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
					_, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, name, metav1.GetOptions{})
					return apierrors.IsNotFound(err), nil
				})
			}
			b.StartTimer()
		}
	}
	b.Run("services=3", func(b *testing.B) { run(b, 1, 3) })
	b.Run("services=20", func(b *testing.B) { run(b, 1, 20) })
	b.Run("environments=50,services=3", func(b *testing.B) { run(b, 50, 3) })
	b.Run("environments=200,services=3", func(b *testing.B) { run(b, 200, 3) })
}

// waitAllReady lists the namespace every 100 ms until every one of names
// is Ready at its generation.
func waitAllReady(b *testing.B, s *testServer, names []string) {
	b.Helper()
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	ready := 0
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := s.Client.StaxV1alpha1().Environments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		ready = 0
		for i := range list.Items {
			if want[list.Items[i].Name] && phaseIs(staxv1.EnvironmentReady)(&list.Items[i]) {
				ready++
			}
		}
		return ready == len(names), nil
	})
	if err != nil {
		b.Fatalf("%d of %d environments Ready: %v", ready, len(names), err)
	}
}

// BenchmarkEnvironmentControllerScale measures the environment controller
// alone: 1000 two-service environments (newEnvironment) created at once, time from the
// first create until all are Ready. --runtime=none runs no environment
// controller, so the server here stores only, and the benchmark runs the
// real controller beside it (4 workers and the polls of stax-apiserver's
// defaults) on instantRuntime, which starts nothing and reports every
// planned replica ready, as kwok does for pods: what is measured is the
// controller's queue, plans and status writes through the API, not
// processes starting. Run with:
//
//	go test ./test/integration -run '^$' -bench EnvironmentControllerScale -benchtime 3x
func BenchmarkEnvironmentControllerScale(b *testing.B) {
	const count = 1000
	for n := 0; n < b.N; n++ {
		// A server and controller of its own per round: the rounds before
		// would otherwise leave their environments to revisit.
		b.StopTimer()
		s := startInProcess(b, storeOnly)
		ctx, cancel := context.WithCancel(context.Background())
		factory := externalversions.NewSharedInformerFactory(s.Client, 0)
		c := envcontroller.New(s.Client, factory.Stax().V1alpha1().Environments(), newInstantRuntime(), nopActivity{})
		factory.Start(ctx.Done())
		stopped := make(chan struct{})
		go func() { defer close(stopped); c.Run(ctx, 4) }()
		names := make([]string, count)
		for i := range names {
			names[i] = fmt.Sprintf("scale-%d", i)
		}
		envs := s.Client.StaxV1alpha1().Environments(ns)
		b.StartTimer()

		start := time.Now()
		// 8 clients create, as a team's CI jobs might at once.
		var next atomic.Int64
		errs := make(chan error, 8)
		for w := 0; w < 8; w++ {
			go func() {
				for i := next.Add(1) - 1; i < count; i = next.Add(1) - 1 {
					if _, err := envs.Create(ctx, newEnvironment(names[i], nil), metav1.CreateOptions{}); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for w := 0; w < 8; w++ {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		created := time.Since(start)
		waitAllReady(b, s, names)
		ready := time.Since(start)
		b.ReportMetric(created.Seconds(), "s-to-create")
		b.ReportMetric(ready.Seconds(), "s-to-all-ready")
		b.Logf("round %d: %d environments created in %v, all Ready after %v", n, count, created.Round(time.Millisecond), ready.Round(time.Millisecond))
		b.StopTimer()
		cancel()
		<-stopped
		b.StartTimer()
	}
}

// instantRuntime runs nothing: every replica of the plan it last applied to
// an environment is ready, with an endpoint on a closed loopback port.
type instantRuntime struct {
	mu    sync.Mutex
	plans map[string]runtime.Plan
}

func newInstantRuntime() *instantRuntime {
	return &instantRuntime{plans: map[string]runtime.Plan{}}
}

func (r *instantRuntime) Apply(_ context.Context, p runtime.Plan) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.plans[p.Organization+"/"+p.Environment] = p
	return nil
}

func (r *instantRuntime) Status(_ context.Context, org, env string) (runtime.EnvironmentState, error) {
	r.mu.Lock()
	p, ok := r.plans[org+"/"+env]
	r.mu.Unlock()
	if !ok {
		return runtime.EnvironmentState{}, runtime.ErrNotFound
	}
	st := runtime.EnvironmentState{LastProbe: time.Now()}
	for _, svc := range p.Services {
		st.Services = append(st.Services, runtime.ServiceState{Name: svc.Name, Desired: svc.Replicas,
			Ready: svc.Replicas, Health: runtime.HealthHealthy, Endpoint: "127.0.0.1:9"})
	}
	return st, nil
}

func (r *instantRuntime) forget(org, env string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.plans, org+"/"+env)
	return nil
}

func (r *instantRuntime) Stop(_ context.Context, org, env string) error   { return r.forget(org, env) }
func (r *instantRuntime) Delete(_ context.Context, org, env string) error { return r.forget(org, env) }
func (r *instantRuntime) Logs(context.Context, string, string, runtime.LogOptions) (io.ReadCloser, error) {
	return nil, errors.New("instantRuntime runs nothing")
}
func (r *instantRuntime) SecretValues(context.Context, string, string) ([]string, error) {
	return nil, nil
}

// BenchmarkCreateEnvironments creates environments with 8 concurrent
// clients against a store-only in-process server, for profiling the create
// path (client and server share the process, so read a profile by package):
//
//	go test ./test/integration -run '^$' -bench CreateEnvironments -benchtime 4000x -cpuprofile cpu.out
func BenchmarkCreateEnvironments(b *testing.B) {
	s := startInProcess(b, storeOnly)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e := newEnvironment(fmt.Sprintf("create-%d", next.Add(1)), nil)
			if _, err := s.Client.StaxV1alpha1().Environments(ns).Create(ctx, e, metav1.CreateOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
