package main

// How the costs grow: with the objects a store holds (--growth) and with
// the watchers of one object (--fanout). Both reuse the create, list,
// watch and RSS helpers of main.go; the targets take turns within each
// step, as in the fixed-size comparison, so ratios compare like with like.

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/microstax/stax/test/e2e/cluster"
)

// growthClients fill the stores and make the timed creates.
const growthClients = 32

// fillRetries is how often a fill's create that failed in a way that may
// pass is tried again (createMany).
const fillRetries = 5

// superlinear is how much faster than the count (objects, watchers) a
// cost may grow before the report says it stops being linear.
const superlinear = 1.5

// memoryNoise (KiB) is the growth of VmRSS too small to compare: the
// servers' collectors let garbage grow by much more than that before they
// run (stax-apiserver's --gc-heap-headroom is 512Mi), so a small delta says
// more about when the collector last ran than about the objects.
const memoryNoise = 64 << 10

// store is where a set of targets keep their objects: aggregated and
// direct both reach stax-apiserver's, so they share one namespace of it
// and see the same N objects; crd has kube-apiserver's.
type store struct {
	ns      string
	targets []*target
	held    int
}

func storesOf(targets []*target) []*store {
	var out []*store
	by := map[schema.GroupVersionResource]*store{}
	for _, t := range targets {
		s := by[t.gvr]
		if s == nil {
			s = &store{}
			by[t.gvr] = s
			out = append(out, s)
		}
		s.targets = append(s.targets, t)
	}
	for _, s := range out {
		var names []string
		for _, t := range s.targets {
			names = append(names, t.name)
		}
		s.ns = "growth-" + strings.Join(names, "-")
	}
	return out
}

type growthStep struct {
	objects  int
	rss      map[string]int64
	fills    []fill
	byTarget map[string]*growthResult
}

type fill struct {
	ns       string
	from, to int
	elapsed  time.Duration
}

type growthResult struct {
	list                 latencies
	listBytes, listPages int
	watch                latencies
	watchMissed          int
	create               latencies
	createPerSecond      float64
}

type fanoutStep struct {
	watchers int
	byTarget map[string]*fanoutResult
}

type fanoutResult struct {
	delivery latencies
	missed   int
}

// scale runs the fan-out steps, then the growth steps, and reports both.
// Fan-out comes first, while the stores are small: it is about watchers.
func scale(ctx context.Context, c *cluster.Cluster, targets []*target, spec map[string]any, o options, peak *atomic.Int64) error {
	start := time.Now()
	fan, err := fanoutPhase(ctx, c, targets, spec, o)
	if err != nil {
		return err
	}
	base, steps, err := growthPhase(ctx, c, targets, spec, o)
	if err != nil {
		return err
	}
	reportScale(os.Stdout, o, targets, base, steps, fan)
	fmt.Fprintf(os.Stdout, "\nPeak VmRSS of all processes (sampled each second): %s. Whole run: %s.\n",
		gib(peak.Load()), time.Since(start).Round(time.Second))
	return nil
}

func fanoutPhase(ctx context.Context, c *cluster.Cluster, targets []*target, spec map[string]any, o options) ([]fanoutStep, error) {
	if len(o.fanout) == 0 {
		return nil, nil
	}
	for _, t := range targets {
		if err := namespace(ctx, c, "fanout-"+t.name); err != nil {
			return nil, err
		}
		if _, err := t.client.Resource(t.gvr).Namespace("fanout-"+t.name).Create(ctx, object(t, "watched", spec), metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	var steps []fanoutStep
	for _, w := range o.fanout {
		step := fanoutStep{watchers: w, byTarget: map[string]*fanoutResult{}}
		for _, t := range targets {
			lat, missed, err := watchDelivery(ctx, t, "fanout-"+t.name, "watched", w, o.fanoutUpdates, o.fanoutInterval, scannedWatch)
			if err != nil {
				return nil, fmt.Errorf("%s: fan-out to %d: %w", t.name, w, err)
			}
			step.byTarget[t.name] = &fanoutResult{delivery: lat, missed: missed}
			fmt.Fprintf(os.Stderr, "fan-out %s %d watchers: p50 %v p99 %v, %d missed\n", t.name, w, lat.p(50), lat.p(99), missed)
		}
		steps = append(steps, step)
	}
	return steps, nil
}

// growthPhase fills each store to each of o.growth objects in turn and, at
// each, lists all of them, times watch delivery, reads every process's
// VmRSS, and times o.growthCreates further creates per target (which the
// next fill counts).
func growthPhase(ctx context.Context, c *cluster.Cluster, targets []*target, spec map[string]any, o options) (map[string]int64, []growthStep, error) {
	if len(o.growth) == 0 {
		return nil, nil, nil
	}
	stores := storesOf(targets)
	storeOf := map[string]*store{}
	for _, s := range stores {
		for _, t := range s.targets {
			storeOf[t.name] = s
		}
		// The timed creates of one step must fit below the next.
		for i := 1; i < len(o.growth); i++ {
			if held := o.growth[i-1] + o.growthCreates*len(s.targets); o.growth[i] < held {
				return nil, nil, fmt.Errorf("--growth %v: %d is below the %d objects %s holds after the step before "+
					"(%d, plus --growth-creates %d × %d targets)", o.growth, o.growth[i], held, s.ns, o.growth[i-1], o.growthCreates, len(s.targets))
			}
		}
		if err := namespace(ctx, c, s.ns); err != nil {
			return nil, nil, err
		}
	}
	base := rss(c)
	var steps []growthStep
	for _, n := range o.growth {
		step := growthStep{objects: n, byTarget: map[string]*growthResult{}}
		for _, s := range stores {
			if s.held == n { // the timed creates of the step before filled it
				continue
			}
			fmt.Fprintf(os.Stderr, "== growth: filling %s from %d to %d\n", s.ns, s.held, n)
			_, elapsed, err := createMany(ctx, s.targets[0], s.ns, spec, s.held, n-s.held, growthClients, fillRetries)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: fill: %w", s.ns, err)
			}
			step.fills = append(step.fills, fill{ns: s.ns, from: s.held, to: n, elapsed: elapsed})
			s.held = n
		}
		step.rss = rss(c)
		for _, t := range targets {
			step.byTarget[t.name] = &growthResult{}
		}
		for i := 0; i < o.growthLists; i++ {
			for _, t := range targets {
				r := step.byTarget[t.name]
				start := time.Now()
				bytes, items, pages, err := listPaged(ctx, t.http, listURL(t, storeOf[t.name].ns), o.pageSize, t.protobuf)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: list: %w", t.name, err)
				}
				r.list = append(r.list, time.Since(start))
				if items != n {
					return nil, nil, fmt.Errorf("%s: the paged list returned %d objects, want %d", t.name, items, n)
				}
				r.listBytes, r.listPages = bytes, pages
			}
		}
		for _, t := range targets {
			r := step.byTarget[t.name]
			var err error
			if r.watch, r.watchMissed, err = watchDelivery(ctx, t, storeOf[t.name].ns, objectName(0), 1, o.growthUpdates, 0, decodedWatch); err != nil {
				return nil, nil, fmt.Errorf("%s: watch: %w", t.name, err)
			}
		}
		for _, t := range targets {
			r, s := step.byTarget[t.name], storeOf[t.name]
			lat, elapsed, err := createMany(ctx, t, s.ns, spec, s.held, o.growthCreates, growthClients, 0)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: creates: %w", t.name, err)
			}
			s.held += o.growthCreates
			r.create, r.createPerSecond = lat, float64(o.growthCreates)/elapsed.Seconds()
			fmt.Fprintf(os.Stderr, "growth %s at %d: list p50 %v (%d pages), watch p99 %v, creates %.0f/s p99 %v\n",
				t.name, n, r.list.p(50), r.listPages, r.watch.p(99), r.createPerSecond, r.create.p(99))
		}
		steps = append(steps, step)
	}
	return base, steps, nil
}

// growthNotes collects the cells where a cost grew faster than the count.
type growthNotes []string

// factor is a cell comparing v with prev, the same measurement one step
// before, as the count of unit grew from `from` to `to`; a factor more
// than superlinear times the count's is marked and noted.
func (g *growthNotes) factor(what, unit string, from, to int, prev, v float64) string {
	if prev <= 0 || from <= 0 {
		return "–"
	}
	nf, vf := float64(to)/float64(from), v/prev
	cell := fmt.Sprintf("×%.3g %s → ×%.2f", nf, unit, vf)
	if vf > superlinear*nf {
		cell += " **superlinear**"
		*g = append(*g, fmt.Sprintf("%s from %d to %d %s (×%.3g → ×%.2f)", what, from, to, unit, nf, vf))
	}
	return cell
}

func reportScale(w io.Writer, o options, targets []*target, base map[string]int64, steps []growthStep, fan []fanoutStep) {
	var notes growthNotes
	if len(steps) > 0 {
		reportGrowth(w, o, targets, base, steps, &notes)
	}
	if len(fan) > 0 {
		fmt.Fprintf(w, "\n### Fan-out: watch delivery of %d updates (%v apart) of one object to each of its watchers\n\n", o.fanoutUpdates, o.fanoutInterval)
		fmt.Fprintln(w, "One client per target: its watches share that client's HTTP/2 connections (Go opens another when a")
		fmt.Fprintln(w, "server's stream limit is reached) and scan each event's line for the stamp instead of decoding it.")
		fmt.Fprintln(w, "Delivery = arrival − the send time stamped in an annotation.")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| target | watchers | received | missed | p50 | p99 | p99 growth |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|")
		for _, t := range targets {
			for i, s := range fan {
				r := s.byTarget[t.name]
				cell := "–"
				if i > 0 {
					p := fan[i-1]
					cell = notes.factor(t.name+" fan-out p99", "watchers", p.watchers, s.watchers,
						float64(p.byTarget[t.name].delivery.p(99)), float64(r.delivery.p(99)))
				}
				fmt.Fprintf(w, "| %s | %d | %d/%d | %d | %s | %s | %s |\n", t.name, s.watchers, len(r.delivery),
					s.watchers*o.fanoutUpdates, r.missed, ms(r.delivery.p(50)), ms(r.delivery.p(99)), cell)
			}
		}
	}
	fmt.Fprintf(w, "\nWhere a cost stops being linear (it grew more than %.1f× as fast as the count): ", superlinear)
	if len(notes) == 0 {
		fmt.Fprintln(w, "nowhere in this run.")
	} else {
		fmt.Fprintln(w, strings.Join(notes, "; ")+".")
	}
}

func reportGrowth(w io.Writer, o options, targets []*target, base map[string]int64, steps []growthStep, notes *growthNotes) {
	fmt.Fprintf(w, "### Growth: filling the stores (%d clients)\n\n", growthClients)
	fmt.Fprintln(w, "aggregated and direct share one namespace of stax-apiserver: both see the same objects.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| namespace | objects | time | creates/s |")
	fmt.Fprintln(w, "|---|---|---:|---:|")
	for _, s := range steps {
		for _, f := range s.fills {
			fmt.Fprintf(w, "| %s | %d → %d | %s | %.0f |\n", f.ns, f.from, f.to, f.elapsed.Round(time.Millisecond),
				float64(f.to-f.from)/f.elapsed.Seconds())
		}
	}

	fmt.Fprintf(w, "\n### Growth: paged list of all objects (limit=%d, JSON; time to the last page, median of %d)\n\n", o.pageSize, o.growthLists)
	fmt.Fprintln(w, "| target | objects | pages | time | bytes | time growth | bytes growth |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|---|")
	for _, t := range targets {
		for i, s := range steps {
			r := s.byTarget[t.name]
			timeCell, bytesCell := "–", "–"
			if i > 0 {
				p := steps[i-1]
				pr := p.byTarget[t.name]
				timeCell = notes.factor(t.name+" list time", "objects", p.objects, s.objects, float64(pr.list.p(50)), float64(r.list.p(50)))
				bytesCell = notes.factor(t.name+" list bytes", "objects", p.objects, s.objects, float64(pr.listBytes), float64(r.listBytes))
			}
			fmt.Fprintf(w, "| %s | %d | %d | %s | %d | %s | %s |\n", t.name, s.objects, r.listPages, ms(r.list.p(50)), r.listBytes, timeCell, bytesCell)
		}
	}

	fmt.Fprintf(w, "\n### Growth: %d further creates per target (%d clients), from that many objects on\n\n", o.growthCreates, growthClients)
	fmt.Fprintln(w, "Cost per create is 1 ÷ creates/s; a cost that does not depend on the objects held stays at ×1.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | objects | creates/s | p50 | p99 | cost per create growth | p99 growth |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|---|")
	for _, t := range targets {
		for i, s := range steps {
			r := s.byTarget[t.name]
			costCell, p99Cell := "–", "–"
			if i > 0 {
				p := steps[i-1]
				pr := p.byTarget[t.name]
				costCell = notes.factor(t.name+" cost per create", "objects", p.objects, s.objects, 1/pr.createPerSecond, 1/r.createPerSecond)
				p99Cell = notes.factor(t.name+" create p99", "objects", p.objects, s.objects, float64(pr.create.p(99)), float64(r.create.p(99)))
			}
			fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %s | %s |\n", t.name, s.objects, r.createPerSecond,
				ms(r.create.p(50)), ms(r.create.p(99)), costCell, p99Cell)
		}
	}

	fmt.Fprintf(w, "\n### Growth: watch delivery of %d sequential updates of one object (a watch of its namespace)\n\n", o.growthUpdates)
	fmt.Fprintln(w, "| target | objects | received | p50 | p99 | p99 growth |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|")
	for _, t := range targets {
		for i, s := range steps {
			r := s.byTarget[t.name]
			cell := "–"
			if i > 0 {
				p := steps[i-1]
				cell = notes.factor(t.name+" watch p99", "objects", p.objects, s.objects, float64(p.byTarget[t.name].watch.p(99)), float64(r.watch.p(99)))
			}
			fmt.Fprintf(w, "| %s | %d | %d/%d | %s | %s | %s |\n", t.name, s.objects, len(r.watch), o.growthUpdates,
				ms(r.watch.p(50)), ms(r.watch.p(99)), cell)
		}
	}

	procs := []string{"etcd", "kube-apiserver", "stax-apiserver", clientProcess}
	mib := func(kib int64) string { return fmt.Sprintf("%.0f", float64(kib)/1024) }
	fmt.Fprintln(w, "\n### Growth: resident memory (VmRSS, MiB, after each fill)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| objects per store | "+strings.Join(procs, " | ")+" | total |")
	fmt.Fprintln(w, "|---:|"+strings.Repeat("---:|", len(procs)+1))
	row := func(label string, m map[string]int64) {
		line := "| " + label + " |"
		for _, p := range procs {
			line += " " + mib(m[p]) + " |"
		}
		fmt.Fprintln(w, line+" "+mib(sum(m))+" |")
	}
	row("0 (start)", base)
	for _, s := range steps {
		row(fmt.Sprint(s.objects), s.rss)
	}

	fmt.Fprintln(w, "\n### Growth: memory per object (VmRSS − VmRSS at the start, ÷ objects per store)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "etcd holds both stores (crd's and stax-apiserver's), kube-apiserver the crd's, stax-apiserver its own.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| process | objects | Δ MiB | KiB per object | Δ growth |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|")
	for _, proc := range procs[:3] {
		for i, s := range steps {
			delta := s.rss[proc] - base[proc]
			cell := "–"
			if i > 0 {
				p := steps[i-1]
				prev := p.rss[proc] - base[proc]
				if prev < memoryNoise || delta < memoryNoise {
					cell = fmt.Sprintf("– (Δ under %d MiB)", memoryNoise>>10)
				} else {
					cell = notes.factor(proc+" memory", "objects", p.objects, s.objects, float64(prev), float64(delta))
				}
			}
			fmt.Fprintf(w, "| %s | %d | %s | %.1f | %s |\n", proc, s.objects, mib(delta), float64(delta)/float64(s.objects), cell)
		}
	}
}
