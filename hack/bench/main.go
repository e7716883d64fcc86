// Command bench compares three ways of serving the Environment API on one
// machine, on the same etcd and kube-apiserver, with one client-go client:
//
//	direct      stax-apiserver, talked to directly
//	aggregated  stax-apiserver through kube-apiserver's aggregation layer
//	crd         the same schema as a CustomResourceDefinition on kube-apiserver
//
// It measures create throughput and latency at several concurrencies, a list
// of many objects, watch delivery latency and the RSS of the servers, and
// prints a Markdown report. It is not a test and CI does not run it; see
// docs/benchmarks.md for how to run it and for results.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/microstax/stax/test/e2e/cluster"
)

type options struct {
	dir, tools, stax, artifacts, example, kubectl   string
	concurrency                                     []int
	warmup, creates, listObjects, listRuns, updates int
	targets                                         []string
}

func main() {
	var o options
	var conc, targets string
	flag.StringVar(&o.dir, "dir", "_output/bench", "Work directory (emptied first).")
	flag.StringVar(&o.tools, "tools-bin", "_output/tools/bin", "etcd and kube-apiserver (hack/build-tools.sh).")
	flag.StringVar(&o.stax, "stax-apiserver", "_output/bin/stax-apiserver", "The stax-apiserver binary.")
	flag.StringVar(&o.artifacts, "artifacts", "artifacts", "The artifacts directory (aggregated/ and bench/).")
	flag.StringVar(&o.example, "example", "examples/shop.yaml", "The Environment every created object copies its spec from.")
	flag.StringVar(&o.kubectl, "kubectl", "kubectl", "The kubectl binary.")
	flag.StringVar(&conc, "concurrency", "1,8,32", "Concurrent clients of the create phase.")
	flag.IntVar(&o.warmup, "warmup", 200, "Objects created (8 clients) before measuring, to fill caches and connections.")
	flag.IntVar(&o.creates, "creates", 1000, "Objects created at each concurrency.")
	flag.IntVar(&o.listObjects, "list-objects", 10000, "Objects in the namespace that is listed.")
	flag.IntVar(&o.listRuns, "list-runs", 5, "Lists of that namespace.")
	flag.IntVar(&o.updates, "updates", 1000, "Updates whose watch delivery is timed.")
	flag.StringVar(&targets, "targets", "crd,aggregated,direct", "Which targets, in order.")
	flag.Parse()
	for _, s := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bad --concurrency %q\n", conc)
			os.Exit(2)
		}
		o.concurrency = append(o.concurrency, n)
	}
	o.targets = strings.Split(targets, ",")
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// target is one way of reaching the Environment API.
type target struct {
	name   string
	config *rest.Config
	client dynamic.Interface
	http   *http.Client
	gvr    schema.GroupVersionResource
}

type result struct {
	create          map[int]latencies // by concurrency
	createPerSecond map[int]float64
	list            latencies
	listBytes       int
	watch           latencies
	watchMissed     int
}

func run(o options) error {
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	kubectl, err := exec.LookPath(o.kubectl)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(o.dir); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := cluster.Start(ctx, cluster.Config{
		Dir: abs(o.dir), ToolsBin: abs(o.tools), Artifacts: filepath.Join(abs(o.artifacts), "aggregated"), Kubectl: kubectl,
		// Store only: the benchmark measures the API, and its objects name
		// commands that do not exist here.
		StaxCommand: func(args ...string) *exec.Cmd {
			return exec.Command(abs(o.stax), append(args, "--controllers=", "--runtime=none")...)
		},
	})
	if err != nil {
		return err
	}
	defer c.Stop()
	if _, err := c.Kubectl(ctx, nil, "apply", "-f", filepath.Join(o.artifacts, "bench", "environments-crd.yaml")); err != nil {
		return err
	}
	if _, err := c.Kubectl(ctx, nil, "wait", "--for=condition=Established", "--timeout=60s", "crd/environments.bench.microstax.ai"); err != nil {
		return err
	}
	spec, err := exampleSpec(o.example)
	if err != nil {
		return err
	}

	staxGVR := schema.GroupVersionResource{Group: "stax.microstax.ai", Version: "v1alpha1", Resource: "environments"}
	crdGVR := schema.GroupVersionResource{Group: "bench.microstax.ai", Version: "v1alpha1", Resource: "environments"}
	direct := rest.CopyConfig(c.AdminConfig)
	// The admin's client certificate is signed by the client CA that
	// stax-apiserver reads from kube-system/extension-apiserver-authentication.
	direct.Host, direct.TLSClientConfig.CAFile, direct.TLSClientConfig.CAData = c.StaxURL, c.StaxCAFile, nil
	all := map[string]*target{
		"direct":     {name: "direct", config: direct, gvr: staxGVR},
		"aggregated": {name: "aggregated", config: rest.CopyConfig(c.AdminConfig), gvr: staxGVR},
		"crd":        {name: "crd", config: rest.CopyConfig(c.AdminConfig), gvr: crdGVR},
	}
	// RSS after each target's run: the CRD grows kube-apiserver, the
	// aggregated API grows stax-apiserver (and kube-apiserver's proxy).
	rssAfter := []map[string]int64{rss(c)}
	results := map[string]*result{}
	for _, name := range o.targets {
		t := all[name]
		if t == nil {
			return fmt.Errorf("unknown target %q", name)
		}
		// Client-side throttling would measure the client, not the server.
		t.config.QPS, t.config.Burst = 100000, 100000
		if t.client, err = dynamic.NewForConfig(t.config); err != nil {
			return err
		}
		if t.http, err = rest.HTTPClientFor(t.config); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "== %s\n", name)
		r, err := bench(ctx, c, t, spec, o)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		results[name] = r
		rssAfter = append(rssAfter, rss(c))
	}
	report(os.Stdout, o, results, rssAfter)
	return nil
}

func bench(ctx context.Context, c *cluster.Cluster, t *target, spec map[string]any, o options) (*result, error) {
	r := &result{create: map[int]latencies{}, createPerSecond: map[int]float64{}}
	if o.warmup > 0 {
		ns := t.name + "-warmup"
		if err := namespace(ctx, c, ns); err != nil {
			return nil, err
		}
		if _, _, err := createMany(ctx, t, ns, spec, o.warmup, 8); err != nil {
			return nil, err
		}
	}
	for _, n := range o.concurrency {
		ns := fmt.Sprintf("%s-create-%d", t.name, n)
		if err := namespace(ctx, c, ns); err != nil {
			return nil, err
		}
		lat, elapsed, err := createMany(ctx, t, ns, spec, o.creates, n)
		if err != nil {
			return nil, err
		}
		r.create[n], r.createPerSecond[n] = lat, float64(o.creates)/elapsed.Seconds()
		fmt.Fprintf(os.Stderr, "create c=%d: %.0f/s p50 %v p99 %v\n", n, r.createPerSecond[n], lat.p(50), lat.p(99))
	}

	ns := t.name + "-list"
	if err := namespace(ctx, c, ns); err != nil {
		return nil, err
	}
	if _, _, err := createMany(ctx, t, ns, spec, o.listObjects, 32); err != nil {
		return nil, err
	}
	url := fmt.Sprintf("%s/apis/%s/%s/namespaces/%s/%s", strings.TrimSuffix(t.config.Host, "/"), t.gvr.Group, t.gvr.Version, ns, t.gvr.Resource)
	for i := 0; i < o.listRuns; i++ {
		start := time.Now()
		n, count, err := list(ctx, t.http, url)
		if err != nil {
			return nil, err
		}
		r.list = append(r.list, time.Since(start))
		if count != o.listObjects {
			return nil, fmt.Errorf("list returned %d objects, want %d", count, o.listObjects)
		}
		r.listBytes = n
	}
	fmt.Fprintf(os.Stderr, "list %d: p50 %v, %d bytes\n", o.listObjects, r.list.p(50), r.listBytes)

	if err := watchUpdates(ctx, c, t, spec, o.updates, r); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "watch %d updates: p50 %v p99 %v\n", o.updates, r.watch.p(50), r.watch.p(99))
	return r, nil
}

func namespace(ctx context.Context, c *cluster.Cluster, name string) error {
	_, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	return err
}

func object(t *target, name string, spec map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": t.gvr.Group + "/" + t.gvr.Version,
		"kind":       "Environment",
		"metadata":   map[string]any{"name": name},
		"spec":       spec,
	}}
}

// createMany creates count objects with workers concurrent clients and
// returns the latency of each create and the wall time of all.
func createMany(ctx context.Context, t *target, ns string, spec map[string]any, count, workers int) (latencies, time.Duration, error) {
	var next atomic.Int64
	lat := make(latencies, count)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= count {
					return
				}
				obj := object(t, fmt.Sprintf("env-%06d", i), spec)
				s := time.Now()
				if _, err := t.client.Resource(t.gvr).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
					errs <- err
					return
				}
				lat[i] = time.Since(s)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return nil, 0, err
	}
	return lat, elapsed, nil
}

// list GETs url as JSON and returns the size of the body and the number of
// items in it.
func list(ctx context.Context, hc *http.Client, url string) (int, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	var l struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		return 0, 0, err
	}
	return len(body), len(l.Items), nil
}

const sentAnnotation = "bench.microstax.ai/sent-unix-nano"

// watchUpdates patches one object count times, one after another, each
// time stamping the send time in an annotation, and times how long each
// change takes to arrive on a watch.
func watchUpdates(ctx context.Context, c *cluster.Cluster, t *target, spec map[string]any, count int, r *result) error {
	ns := t.name + "-watch"
	if err := namespace(ctx, c, ns); err != nil {
		return err
	}
	res := t.client.Resource(t.gvr).Namespace(ns)
	created, err := res.Create(ctx, object(t, "watched", spec), metav1.CreateOptions{})
	if err != nil {
		return err
	}
	w, err := res.Watch(ctx, metav1.ListOptions{ResourceVersion: created.GetResourceVersion()})
	if err != nil {
		return err
	}
	defer w.Stop()
	got := make(chan time.Duration, count)
	go func() {
		defer close(got)
		for ev := range w.ResultChan() {
			if ev.Type != watch.Modified {
				continue
			}
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			sent, err := strconv.ParseInt(u.GetAnnotations()[sentAnnotation], 10, 64)
			if err != nil {
				continue
			}
			got <- time.Since(time.Unix(0, sent))
		}
	}()
	for i := 0; i < count; i++ {
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:"%d"}}}`, sentAnnotation, time.Now().UnixNano())
		if _, err := res.Patch(ctx, "watched", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return err
		}
	}
	deadline := time.After(30 * time.Second)
	for len(r.watch) < count {
		select {
		case d, ok := <-got:
			if !ok {
				r.watchMissed = count - len(r.watch)
				return nil
			}
			r.watch = append(r.watch, d)
		case <-deadline:
			r.watchMissed = count - len(r.watch)
			return nil
		}
	}
	return nil
}

// exampleSpec is the spec of the example Environment.
func exampleSpec(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	spec, ok := obj["spec"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s has no spec", path)
	}
	return spec, nil
}

// rss is VmRSS in KiB of each server process.
func rss(c *cluster.Cluster) map[string]int64 {
	out := map[string]int64{}
	for name, p := range c.Processes {
		if kb, err := p.RSSKiB(); err == nil {
			out[name] = kb
		}
	}
	return out
}

type latencies []time.Duration

func (l latencies) p(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append(latencies{}, l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * q / 100)
	return s[i]
}

func report(w io.Writer, o options, results map[string]*result, rssAfter []map[string]int64) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	ratio := func(v, base float64) string {
		if base == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", v/base)
	}
	crd := results["crd"]
	fmt.Fprintf(w, "### Create (%d objects per row)\n\n", o.creates)
	fmt.Fprintln(w, "| target | clients | creates/s | p50 | p99 | creates/s vs CRD | p50 vs CRD | p99 vs CRD |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, name := range o.targets {
		r := results[name]
		for _, n := range o.concurrency {
			row := fmt.Sprintf("| %s | %d | %.0f | %s | %s |", name, n, r.createPerSecond[n], ms(r.create[n].p(50)), ms(r.create[n].p(99)))
			if crd != nil {
				row += fmt.Sprintf(" %s | %s | %s |", ratio(r.createPerSecond[n], crd.createPerSecond[n]),
					ratio(float64(r.create[n].p(50)), float64(crd.create[n].p(50))), ratio(float64(r.create[n].p(99)), float64(crd.create[n].p(99))))
			} else {
				row += " – | – | – |"
			}
			fmt.Fprintln(w, row)
		}
	}
	fmt.Fprintf(w, "\n### List of %d objects (JSON, %d runs)\n\n", o.listObjects, o.listRuns)
	fmt.Fprintln(w, "| target | p50 | max | bytes | p50 vs CRD | bytes vs CRD |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, name := range o.targets {
		r := results[name]
		row := fmt.Sprintf("| %s | %s | %s | %d |", name, ms(r.list.p(50)), ms(r.list.p(100)), r.listBytes)
		if crd != nil {
			row += fmt.Sprintf(" %s | %s |", ratio(float64(r.list.p(50)), float64(crd.list.p(50))), ratio(float64(r.listBytes), float64(crd.listBytes)))
		} else {
			row += " – | – |"
		}
		fmt.Fprintln(w, row)
	}
	fmt.Fprintf(w, "\n### Watch delivery of %d sequential updates\n\n", o.updates)
	fmt.Fprintln(w, "| target | received | p50 | p99 | p50 vs CRD | p99 vs CRD |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, name := range o.targets {
		r := results[name]
		row := fmt.Sprintf("| %s | %d/%d | %s | %s |", name, len(r.watch), o.updates, ms(r.watch.p(50)), ms(r.watch.p(99)))
		if crd != nil {
			row += fmt.Sprintf(" %s | %s |", ratio(float64(r.watch.p(50)), float64(crd.watch.p(50))), ratio(float64(r.watch.p(99)), float64(crd.watch.p(99))))
		} else {
			row += " – | – |"
		}
		fmt.Fprintln(w, row)
	}
	fmt.Fprintln(w, "\n### Resident memory (VmRSS, MiB) at the start and after each target's run")
	fmt.Fprintln(w)
	header, sep := "| process | start |", "|---|---:|"
	for _, name := range o.targets {
		header += " after " + name + " |"
		sep += "---:|"
	}
	fmt.Fprintln(w, header)
	fmt.Fprintln(w, sep)
	for _, proc := range []string{"etcd", "kube-apiserver", "stax-apiserver"} {
		row := "| " + proc + " |"
		for _, m := range rssAfter {
			row += fmt.Sprintf(" %.0f |", float64(m[proc])/1024)
		}
		fmt.Fprintln(w, row)
	}
}
