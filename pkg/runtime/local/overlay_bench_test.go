package local

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/microstax/stax/pkg/cost"
	"github.com/microstax/stax/pkg/runtime"
)

// restWindow is how long the CPU of what each runs is sampled at rest.
const restWindow = time.Second

// withRequests gives every service of p the requests a record prices
// (250m CPU, 256Mi memory per replica), so both cost the same per service.
func withRequests(p runtime.Plan) runtime.Plan {
	for i := range p.Services {
		p.Services[i].Requests = runtime.ResourceList{"cpu": resource.MustParse("250m"), "memory": resource.MustParse("256Mi")}
	}
	return p
}

// hourlyCost is what an environment running p costs an hour at the default
// prices: its own services' replicas times their requests, as its
// EnvironmentRecord counts them (the environment controller's requestsOf).
func hourlyCost(p runtime.Plan) float64 {
	var r cost.Rate
	for _, s := range p.Services {
		n := float64(s.Replicas)
		cpu, mem := s.Requests["cpu"], s.Requests["memory"]
		r = r.Add(cost.Rate{Replicas: n, CPUCores: n * cpu.AsApproximateFloat64(), MemoryGiB: n * mem.AsApproximateFloat64() / (1 << 30)})
	}
	return cost.DefaultPrices.HourlyCost(r)
}

// cpuTicks is the user and system CPU a process has used, in clock ticks.
func cpuTicks(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command may hold spaces: fields count from after its ")".
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

// BenchmarkOverlayVsFullCopy: on a running 10-service baseline, an overlay
// that changes one service (svc-7, which depends on svc-2) against a full
// copy of the baseline with the same change, interleaved in one loop (one
// of each per iteration). Metrics: time from Apply to Healthy, processes,
// resident memory and CPU of what each runs at rest, and what each costs
// an hour as its record counts it.
func BenchmarkOverlayVsFullCopy(b *testing.B) {
	rt := newRuntime(b)
	ctx := context.Background()
	if err := rt.Apply(ctx, benchPlan("base", 10)); err != nil {
		b.Fatal(err)
	}
	waitHealthFast(b, rt, "base")
	st, err := rt.Status(ctx, "bench", "base")
	if err != nil {
		b.Fatal(err)
	}
	changed := func(sp runtime.ServicePlan) runtime.ServicePlan {
		sp.Command = append(sp.Command, "-version", "v2")
		return sp
	}
	overlay := func(env string) runtime.Plan {
		p := runtime.Plan{Organization: "bench", Environment: env, Baseline: &runtime.BaselineLink{Environment: "base"}}
		for i, sp := range benchPlan("base", 10).Services {
			bs := runtime.BaselineService{Name: sp.Name, Endpoint: st.Services[i].Endpoint, Port: 8080}
			if sp.Name == "svc-7" {
				p.Services = append(p.Services, changed(sp))
				p.Baseline.Changed = append(p.Baseline.Changed, bs)
				continue
			}
			p.Baseline.Shared = append(p.Baseline.Shared, bs)
		}
		return withRequests(p)
	}
	fullCopy := func(env string) runtime.Plan {
		p := benchPlan(env, 10)
		p.Services[7] = changed(p.Services[7])
		return withRequests(p)
	}
	kinds := []struct {
		name string
		plan func(string) runtime.Plan
	}{{"overlay", overlay}, {"copy", fullCopy}}
	spent := make([]time.Duration, len(kinds))
	procs, rss, ticks := make([]int, len(kinds)), make([]int64, len(kinds)), make([]int64, len(kinds))
	dollars := make([]float64, len(kinds))
	for i := 0; b.Loop(); i++ {
		for k, kind := range kinds {
			env := fmt.Sprintf("%s-%d", kind.name, i)
			start := time.Now()
			plan := kind.plan(env)
			if err := rt.Apply(ctx, plan); err != nil {
				b.Fatal(err)
			}
			waitHealthFast(b, rt, env)
			spent[k] += time.Since(start)
			b.StopTimer()
			ps := allPids(pids(rt, "bench", env))
			procs[k] += len(ps)
			for _, pid := range ps {
				rss[k] += vmRSS(b, pid)
				ticks[k] -= cpuTicks(b, pid)
			}
			time.Sleep(restWindow)
			for _, pid := range ps {
				ticks[k] += cpuTicks(b, pid)
			}
			dollars[k] += hourlyCost(plan)
			if err := rt.Delete(ctx, "bench", env); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
	for k, kind := range kinds {
		n := float64(b.N)
		b.ReportMetric(float64(spent[k].Milliseconds())/n, kind.name+"-ms-to-healthy")
		b.ReportMetric(float64(procs[k])/n, kind.name+"-processes")
		b.ReportMetric(float64(rss[k])/n/1024, kind.name+"-MiB-rss")
		// Clock ticks are 10 ms (USER_HZ 100 on Linux): CPU ms per second at rest.
		b.ReportMetric(float64(ticks[k])*10/n/restWindow.Seconds(), kind.name+"-cpu-ms/s-at-rest")
		b.ReportMetric(dollars[k]/n, kind.name+"-USD/hour")
	}
}

// vmRSS is a process's resident memory in KiB.
func vmRSS(b *testing.B, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	b.Fatalf("no VmRSS for %d", pid)
	return 0
}
