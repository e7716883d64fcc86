package integration

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"

	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
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
// with dependencies between layers), and for 50 three-service environments
// created at once. Run with:
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
			for _, name := range names {
				waitFor(b, s, name, "Ready", phaseIs(staxv1.EnvironmentReady))
			}
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
