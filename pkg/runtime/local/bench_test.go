package local

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/runtime"
)

// benchPlan has n one-replica services in layers of five, each service
// after the first layer depending on the one five before it, so that
// dependency ordering is part of what is measured.
func benchPlan(env string, n int) runtime.Plan {
	p := runtime.Plan{Organization: "bench", Environment: env}
	for i := range n {
		sp := demo(fmt.Sprintf("svc-%d", i))
		if i >= 5 {
			sp.DependsOn = []string{fmt.Sprintf("svc-%d", i-5)}
		}
		p.Services = append(p.Services, sp)
	}
	return p
}

// BenchmarkApplyToHealthy measures the time from Apply to every service
// Healthy; tearing the environment down is not timed.
func BenchmarkApplyToHealthy(b *testing.B) {
	for _, n := range []int{3, 20} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			rt := newRuntime(b)
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				env := fmt.Sprintf("env-%d", i)
				if err := rt.Apply(ctx, benchPlan(env, n)); err != nil {
					b.Fatal(err)
				}
				waitHealthFast(b, rt, env)
				b.StopTimer()
				if err := rt.Delete(ctx, "bench", env); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// waitHealthFast polls every 5ms so the poll interval barely shows.
func waitHealthFast(b *testing.B, rt *Runtime, env string) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := rt.Status(context.Background(), "bench", env)
		if err != nil {
			b.Fatal(err)
		}
		healthy := 0
		for _, s := range st.Services {
			if s.Health == runtime.HealthHealthy {
				healthy++
			}
		}
		if healthy == len(st.Services) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("not healthy after 30s: %s", summary(st))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkDriftCheck measures one drift check of a running environment
// beside one Status call of the same environment: the check reads /proc
// for every replica and, when a port has a listener, every process's fds.
func BenchmarkDriftCheck(b *testing.B) {
	rt := newRuntime(b)
	ctx := context.Background()
	plan := benchPlan("drift", 5)
	if err := rt.Apply(ctx, plan); err != nil {
		b.Fatal(err)
	}
	waitHealthFast(b, rt, "drift")
	b.Run("op=status", func(b *testing.B) {
		for b.Loop() {
			if _, err := rt.Status(ctx, "bench", "drift"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=drift", func(b *testing.B) {
		for b.Loop() {
			d, err := rt.Drift(ctx, plan)
			if err != nil || len(d) != 0 {
				b.Fatal(d, err)
			}
		}
	})
}
