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

	"github.com/microstax/stax/pkg/runtime"
)

// BenchmarkOverlayVsFullCopy: on a running 10-service baseline, an overlay
// that changes one service (svc-7, which depends on svc-2) against a full
// copy of the baseline with the same change, interleaved in one loop (one
// of each per iteration). Metrics: time from Apply to Healthy, processes
// and resident memory of what each runs at rest.
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
		return p
	}
	fullCopy := func(env string) runtime.Plan {
		p := benchPlan(env, 10)
		p.Services[7] = changed(p.Services[7])
		return p
	}
	kinds := []struct {
		name string
		plan func(string) runtime.Plan
	}{{"overlay", overlay}, {"copy", fullCopy}}
	spent := make([]time.Duration, len(kinds))
	procs, rss := make([]int, len(kinds)), make([]int64, len(kinds))
	for i := 0; b.Loop(); i++ {
		for k, kind := range kinds {
			env := fmt.Sprintf("%s-%d", kind.name, i)
			start := time.Now()
			if err := rt.Apply(ctx, kind.plan(env)); err != nil {
				b.Fatal(err)
			}
			waitHealthFast(b, rt, env)
			spent[k] += time.Since(start)
			b.StopTimer()
			ps := allPids(pids(rt, "bench", env))
			procs[k] += len(ps)
			for _, pid := range ps {
				rss[k] += vmRSS(b, pid)
			}
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
