// Command bench compares three ways of serving the Environment API on one
// machine, on the same etcd and kube-apiserver, with one client-go client:
//
//	direct      stax-apiserver, talked to directly
//	aggregated  stax-apiserver through kube-apiserver's aggregation layer
//	crd         the same schema as a CustomResourceDefinition on kube-apiserver
//
// It measures create throughput and latency at several concurrencies, a list
// of many objects, watch delivery latency and the RSS of the servers, and
// prints a Markdown report. With --growth and --fanout it measures instead
// how those costs grow with the objects held and with the watchers
// (scale.go). It is not a test and CI does not run it; see
// docs/benchmarks.md for how to run it and for results.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	staxv1alpha1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	staxscheme "github.com/microstax/stax/pkg/generated/clientset/versioned/scheme"
	"github.com/microstax/stax/test/e2e/cluster"
)

type options struct {
	dir, tools, stax, artifacts, example, kubectl  string
	etcdDir                                        string
	concurrency                                    []int
	warmup, creates, rounds, listObjects, listRuns int
	updates                                        int
	targets                                        []string
	staxArgs                                       []string
	profile                                        string
	metrics                                        string
	profileFor                                     time.Duration
	profileTarget                                  string

	// The scale phases (scale.go); they replace the phases above when set.
	growth, fanout                                      []int
	growthCreates, growthUpdates, growthLists, pageSize int
	fanoutUpdates                                       int
	fanoutInterval                                      time.Duration
	// maxRSS bounds the sum of every process's VmRSS, in KiB.
	maxRSS int64
}

func main() {
	var o options
	var conc, targets, staxArgs, growth, fanout, maxRSS string
	flag.StringVar(&o.dir, "dir", "_output/bench", "Work directory (emptied first).")
	flag.StringVar(&o.etcdDir, "etcd-data-dir", "", "etcd's data directory, emptied first and removed after (default: inside --dir). "+
		"One on tmpfs (/dev/shm/...) takes the disk's fsync out of every write: run it beside a run on disk to tell the servers' cost from the disk's.")
	flag.StringVar(&o.tools, "tools-bin", "_output/tools/bin", "etcd and kube-apiserver (hack/build-tools.sh).")
	flag.StringVar(&o.stax, "stax-apiserver", "_output/bin/stax-apiserver", "The stax-apiserver binary.")
	flag.StringVar(&o.artifacts, "artifacts", "artifacts", "The artifacts directory (aggregated/ and bench/).")
	flag.StringVar(&o.example, "example", "examples/shop.yaml", "The Environment every created object copies its spec from.")
	flag.StringVar(&o.kubectl, "kubectl", "kubectl", "The kubectl binary.")
	flag.StringVar(&conc, "concurrency", "1,8,32", "Concurrent clients of the create phase.")
	flag.IntVar(&o.warmup, "warmup", 200, "Objects created (8 clients) before measuring, to fill caches and connections.")
	flag.IntVar(&o.creates, "creates", 1000, "Objects created at each concurrency in each round.")
	flag.IntVar(&o.rounds, "rounds", 5, "Rounds of creates; targets take turns within each round.")
	flag.IntVar(&o.listObjects, "list-objects", 10000, "Objects in the namespace that is listed.")
	flag.IntVar(&o.listRuns, "list-runs", 5, "Lists of that namespace.")
	flag.IntVar(&o.updates, "updates", 1000, "Updates whose watch delivery is timed.")
	flag.StringVar(&targets, "targets", "crd,aggregated,direct", "Which targets, in order: crd, aggregated, direct, and aggregated-protobuf and direct-protobuf (creates and lists in protobuf; no watch rows).")
	flag.StringVar(&staxArgs, "stax-args", "", "Extra stax-apiserver flags, space-separated (for example --gc-percent=100).")
	flag.StringVar(&o.profile, "profile", "", "Write a CPU profile of the server --profile-target's client talks to, taken "+
		"from the start of that target's first create row at the highest concurrency, to this file (go tool pprof).")
	flag.StringVar(&o.metrics, "metrics", "", "Save the /metrics of etcd, kube-apiserver and stax-apiserver right after the "+
		"create rounds into this directory (etcd.prom, kube-apiserver.prom, stax-apiserver.prom; hack/bench-metrics.sh sums them up).")
	flag.StringVar(&o.profileTarget, "profile-target", "direct", "Whose create row --profile samples: direct profiles "+
		"stax-apiserver, aggregated and crd profile kube-apiserver.")
	flag.DurationVar(&o.profileFor, "profile-duration", 5*time.Second, "How long --profile samples; "+
		"give --creates enough objects to last that long.")
	flag.StringVar(&growth, "growth", "", "Instead of the phases above, measure how lists, memory, watch delivery and creates "+
		"grow with the objects held: fill each store to each of these counts in turn (for example 1000,10000,100000).")
	flag.IntVar(&o.growthCreates, "growth-creates", 1000, "Further creates per target timed at each --growth step.")
	flag.IntVar(&o.growthUpdates, "growth-updates", 200, "Updates whose watch delivery is timed at each --growth step.")
	flag.IntVar(&o.growthLists, "growth-lists", 3, "Paged lists of all objects per target at each --growth step.")
	flag.IntVar(&o.pageSize, "page-size", 500, "The limit of each page of the --growth lists.")
	flag.StringVar(&fanout, "fanout", "", "Instead of the phases above (before --growth when both are given), time watch "+
		"delivery to each of these numbers of watchers of one object (for example 1,100,1000).")
	flag.IntVar(&o.fanoutUpdates, "fanout-updates", 100, "Updates sent at each --fanout step.")
	flag.DurationVar(&o.fanoutInterval, "fanout-interval", 10*time.Millisecond, "Pause between two --fanout updates.")
	flag.StringVar(&maxRSS, "max-rss", "20Gi", "Abort once the VmRSS of all processes (servers and this client) sums past this.")
	flag.Parse()
	o.staxArgs = strings.Fields(staxArgs)
	var err error
	if o.concurrency, err = intList("concurrency", conc); err == nil {
		if o.growth, err = intList("growth", growth); err == nil {
			o.fanout, err = intList("fanout", fanout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for name, v := range map[string]int{"growth-creates": o.growthCreates, "growth-updates": o.growthUpdates,
		"growth-lists": o.growthLists, "page-size": o.pageSize, "fanout-updates": o.fanoutUpdates} {
		if v < 1 {
			fmt.Fprintf(os.Stderr, "--%s must be at least 1\n", name)
			os.Exit(2)
		}
	}
	q, err := resource.ParseQuantity(maxRSS)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bad --max-rss %q: %v\n", maxRSS, err)
		os.Exit(2)
	}
	o.maxRSS = q.Value() / 1024
	o.targets = strings.Split(targets, ",")
	if o.profile != "" && !slices.Contains(o.targets, o.profileTarget) {
		fmt.Fprintf(os.Stderr, "--profile needs the %s target (--profile-target)\n", o.profileTarget)
		os.Exit(2)
	}
	if o.metrics != "" && (len(o.growth) > 0 || len(o.fanout) > 0) {
		fmt.Fprintln(os.Stderr, "--metrics saves them after the create rounds, which --growth and --fanout replace")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// intList parses a comma-separated list of positive integers; empty is none.
func intList(name, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad --%s %q", name, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// target is one way of reaching the Environment API.
type target struct {
	name   string
	config *rest.Config
	client dynamic.Interface
	http   *http.Client
	gvr    schema.GroupVersionResource
	// protobuf targets create and list in application/vnd.kubernetes.protobuf
	// with the generated clientset; their watches stay JSON (dynamic).
	protobuf bool
	typed    versioned.Interface
}

// create sends one object the target's way: JSON through the dynamic
// client, or typed through the clientset in protobuf (the conversion from
// unstructured is the client's CPU, in the bench client's column).
func (t *target) create(ctx context.Context, ns string, obj *unstructured.Unstructured) error {
	if !t.protobuf {
		_, err := t.client.Resource(t.gvr).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{})
		return err
	}
	env := &staxv1alpha1.Environment{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, env); err != nil {
		return err
	}
	_, err := t.typed.StaxV1alpha1().Environments(ns).Create(ctx, env, metav1.CreateOptions{})
	return err
}

type result struct {
	create          map[int]latencies                // by concurrency, all rounds pooled
	createPerSecond map[int][]float64                // by concurrency, one per round
	createCPU       map[int]map[string]time.Duration // CPU of all rounds, by concurrency and process
	createMachine   map[int]machineTime              // the whole machine's CPU over all rounds, by concurrency
	list            latencies
	listBytes       int
	watch           latencies
	watchMissed     int
}

func newResult() *result {
	return &result{create: map[int]latencies{}, createPerSecond: map[int][]float64{},
		createCPU: map[int]map[string]time.Duration{}, createMachine: map[int]machineTime{}}
}

// cpuPerCreate is the CPU time of proc per create at n clients.
func (r *result) cpuPerCreate(n int, proc string) time.Duration {
	return r.createCPU[n][proc] / time.Duration(len(r.create[n]))
}

func run(o options) (runErr error) {
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	kubectl, err := exec.LookPath(o.kubectl)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(o.dir); err != nil {
		return err
	}
	if o.etcdDir != "" {
		o.etcdDir = abs(o.etcdDir)
		if err := os.RemoveAll(o.etcdDir); err != nil {
			return err
		}
		defer os.RemoveAll(o.etcdDir)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := cluster.Start(ctx, cluster.Config{
		Dir: abs(o.dir), EtcdDataDir: o.etcdDir, ToolsBin: abs(o.tools), Artifacts: filepath.Join(abs(o.artifacts), "aggregated"), Kubectl: kubectl,
		// Store only: the benchmark measures the API, and its objects name
		// commands that do not exist here.
		StaxCommand: func(args ...string) *exec.Cmd {
			args = append(args, "--controllers=", "--runtime=none")
			return exec.Command(abs(o.stax), append(args, o.staxArgs...)...)
		},
	})
	if err != nil {
		return err
	}
	defer func() {
		// The benchmark holds itself to loopback only, as the tests do.
		if err := c.StopChecked(); err != nil && runErr == nil {
			runErr = err
		}
	}()
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
		// CustomResources have no protobuf: these compare with the CRD's JSON.
		"direct-protobuf":     {name: "direct-protobuf", config: rest.CopyConfig(direct), gvr: staxGVR, protobuf: true},
		"aggregated-protobuf": {name: "aggregated-protobuf", config: rest.CopyConfig(c.AdminConfig), gvr: staxGVR, protobuf: true},
	}
	var targets []*target
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
		if t.protobuf {
			// The generated clientset prefers protobuf (client-gen
			// --prefers-protobuf) when the config names no content type.
			if t.typed, err = versioned.NewForConfig(t.config); err != nil {
				return err
			}
		}
		if t.http, err = rest.HTTPClientFor(t.config); err != nil {
			return err
		}
		targets = append(targets, t)
	}

	// A run that outgrows the machine stops with the reason rather than
	// pushing the machine into swap or the OOM killer.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	peak := guardRSS(ctx, cancel, c, o.maxRSS)
	if len(o.growth) > 0 || len(o.fanout) > 0 {
		err = scale(ctx, c, targets, spec, o, peak)
	} else {
		err = classic(ctx, c, targets, spec, o, direct)
	}
	if err != nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// classic is the comparison of the three targets at a fixed size: creates
// at several concurrencies, a list, watch delivery and memory.
func classic(ctx context.Context, c *cluster.Cluster, targets []*target, spec map[string]any, o options, direct *rest.Config) error {
	rssAt := []map[string]int64{rss(c)}
	results := map[string]*result{}
	for _, t := range targets {
		results[t.name] = newResult()
		if o.warmup > 0 {
			fmt.Fprintf(os.Stderr, "== %s: warm-up\n", t.name)
			ns := t.name + "-warmup"
			if err := namespace(ctx, c, ns); err != nil {
				return err
			}
			if _, _, err := createMany(ctx, t, ns, spec, 0, o.warmup, 8, 0); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
		}
	}
	// The machine's speed drifts over minutes (shared cores), so the targets
	// take turns: every round creates at every concurrency on each target.
	for round := 1; round <= o.rounds; round++ {
		for _, n := range o.concurrency {
			for _, t := range targets {
				if err := createRound(ctx, c, t, spec, o, round, n, results[t.name]); err != nil {
					return fmt.Errorf("%s: %w", t.name, err)
				}
			}
		}
	}
	rssAt = append(rssAt, rss(c))
	if o.metrics != "" {
		if err := saveMetrics(ctx, c, direct, o.metrics); err != nil {
			return fmt.Errorf("--metrics: %w", err)
		}
	}
	for _, t := range targets {
		fmt.Fprintf(os.Stderr, "== %s: filling a namespace to list\n", t.name)
		if err := namespace(ctx, c, t.name+"-list"); err != nil {
			return err
		}
		if _, _, err := createMany(ctx, t, t.name+"-list", spec, 0, o.listObjects, 32, 0); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	// Lists take turns too.
	for i := 0; i < o.listRuns; i++ {
		for _, t := range targets {
			if err := listOnce(ctx, t, o, results[t.name]); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
		}
	}
	for _, t := range targets {
		r := results[t.name]
		fmt.Fprintf(os.Stderr, "%s: list %d: p50 %v, %d bytes\n", t.name, o.listObjects, r.list.p(50), r.listBytes)
		if t.protobuf {
			// Its watch would be the dynamic client's JSON, measured already.
			continue
		}
		ns := t.name + "-watch"
		if err := namespace(ctx, c, ns); err != nil {
			return err
		}
		if _, err := t.client.Resource(t.gvr).Namespace(ns).Create(ctx, object(t, "watched", spec), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		var err error
		if r.watch, r.watchMissed, err = watchDelivery(ctx, t, ns, "watched", 1, o.updates, 0, decodedWatch); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		fmt.Fprintf(os.Stderr, "%s: watch %d updates: p50 %v p99 %v\n", t.name, o.updates, r.watch.p(50), r.watch.p(99))
	}
	rssAt = append(rssAt, rss(c))
	report(os.Stdout, o, results, rssAt)
	return nil
}

// createRound creates o.creates objects with n clients and records their
// latencies, the throughput and the CPU each process spent meanwhile.
func createRound(ctx context.Context, c *cluster.Cluster, t *target, spec map[string]any, o options, round, n int, r *result) error {
	ns := fmt.Sprintf("%s-create-%d-r%d", t.name, n, round)
	if err := namespace(ctx, c, ns); err != nil {
		return err
	}
	var profiled chan error
	if o.profile != "" && t.name == o.profileTarget && round == 1 && n == slices.Max(o.concurrency) {
		profiled = make(chan error, 1)
		go func() { profiled <- profile(ctx, t, o.profileFor, o.profile) }()
	}
	before, machineBefore := cpuTimes(c), readMachineTime()
	lat, elapsed, err := createMany(ctx, t, ns, spec, 0, o.creates, n, 0)
	if err != nil {
		return err
	}
	if profiled != nil {
		if err := <-profiled; err != nil {
			return fmt.Errorf("profile: %w", err)
		}
	}
	after, machine := cpuTimes(c), readMachineTime().minus(machineBefore)
	r.createMachine[n] = r.createMachine[n].plus(machine)
	if r.createCPU[n] == nil {
		r.createCPU[n] = map[string]time.Duration{}
	}
	for proc, d := range after {
		r.createCPU[n][proc] += d - before[proc]
	}
	r.create[n] = append(r.create[n], lat...)
	r.createPerSecond[n] = append(r.createPerSecond[n], float64(o.creates)/elapsed.Seconds())
	fmt.Fprintf(os.Stderr, "round %d %s c=%d: %.0f/s p50 %v p99 %v, machine idle %s stolen %s\n", round, t.name, n,
		float64(o.creates)/elapsed.Seconds(), lat.p(50), lat.p(99), machine.share(machine.idle), machine.share(machine.steal))
	return nil
}

// profile saves the CPU profile of the next d of the server t's client
// talks to (its /debug/pprof, which the admin may read).
func profile(ctx context.Context, t *target, d time.Duration, path string) error {
	url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", strings.TrimSuffix(t.config.Host, "/"), int(d.Seconds()))
	return download(ctx, t.http, url, path)
}

// saveMetrics writes what etcd, kube-apiserver and stax-apiserver serve at
// /metrics into dir, one file each: their counters and histograms since
// they started, so over the warm-up and the create rounds.
func saveMetrics(ctx context.Context, c *cluster.Cluster, direct *rest.Config, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, config := range map[string]*rest.Config{"kube-apiserver": c.AdminConfig, "stax-apiserver": direct} {
		hc, err := rest.HTTPClientFor(config)
		if err != nil {
			return err
		}
		if err := download(ctx, hc, strings.TrimSuffix(config.Host, "/")+"/metrics", filepath.Join(dir, name+".prom")); err != nil {
			return err
		}
	}
	return download(ctx, http.DefaultClient, c.EtcdURL+"/metrics", filepath.Join(dir, "etcd.prom"))
}

// download saves the body of a GET of url to path.
func download(ctx context.Context, hc *http.Client, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return os.WriteFile(path, body, 0o644)
}

// listOnce lists the target's filled namespace and records the time to
// the last byte and the size of the answer.
func listOnce(ctx context.Context, t *target, o options, r *result) error {
	start := time.Now()
	n, count, _, err := list(ctx, t.http, listURL(t, t.name+"-list"), t.protobuf)
	if err != nil {
		return err
	}
	r.list = append(r.list, time.Since(start))
	if count != o.listObjects {
		return fmt.Errorf("list returned %d objects, want %d", count, o.listObjects)
	}
	r.listBytes = n
	return nil
}

// listURL is the collection of the target's objects in namespace ns.
func listURL(t *target, ns string) string {
	return fmt.Sprintf("%s/apis/%s/%s/namespaces/%s/%s", strings.TrimSuffix(t.config.Host, "/"),
		t.gvr.Group, t.gvr.Version, ns, t.gvr.Resource)
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

// createMany creates count objects, numbered from first on, with workers
// concurrent clients and returns the latency of each create and the wall
// time of all.
// createMany creates count objects with workers clients. A create that
// fails is tried again up to retries times if the failure may pass (429,
// a timeout, a 5xx), one second apart, and counts once it turns out to have
// landed: for the untimed fills of --growth, where one lost create of
// 100,000 would end a half-hour run; timed rounds pass 0.
func createMany(ctx context.Context, t *target, ns string, spec map[string]any, first, count, workers, retries int) (latencies, time.Duration, error) {
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
				obj := object(t, objectName(first+i), spec)
				s := time.Now()
				err := t.create(ctx, ns, obj)
				for try := 0; err != nil && try < retries && mayPass(err); try++ {
					fmt.Fprintf(os.Stderr, "create %s/%s: %v; trying again\n", ns, obj.GetName(), err)
					time.Sleep(time.Second)
					if err = t.create(ctx, ns, obj); apierrors.IsAlreadyExists(err) {
						err = nil
					}
				}
				if err != nil {
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

// mayPass says whether a create that failed with err may succeed if sent
// again.
func mayPass(err error) bool {
	return apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) || errors.Is(err, context.DeadlineExceeded)
}

func objectName(i int) string { return fmt.Sprintf("env-%06d", i) }

// list GETs url as JSON (or protobuf) and returns the size of the body,
// the number of items in it and the continue token of the next page, if
// any.
func list(ctx context.Context, hc *http.Client, url string, protobuf bool) (int, int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, "", err
	}
	req.Header.Set("Accept", "application/json")
	if protobuf {
		req.Header.Set("Accept", protobufType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	if protobuf {
		return decodeProtobufList(body)
	}
	var l struct {
		Metadata struct {
			Continue string `json:"continue"`
		} `json:"metadata"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		return 0, 0, "", err
	}
	return len(body), len(l.Items), l.Metadata.Continue, nil
}

// listPaged lists url in pages of limit items, following the continue
// tokens to the last page, and returns the bytes, items and pages of all.
func listPaged(ctx context.Context, hc *http.Client, collection string, limit int, protobuf bool) (bytes, items, pages int, err error) {
	next := ""
	for {
		u := collection + "?limit=" + strconv.Itoa(limit)
		if next != "" {
			u += "&continue=" + url.QueryEscape(next)
		}
		n, count, cont, err := list(ctx, hc, u, protobuf)
		if err != nil {
			return 0, 0, 0, err
		}
		bytes, items, pages = bytes+n, items+count, pages+1
		if cont == "" {
			return bytes, items, pages, nil
		}
		next = cont
	}
}

const sentAnnotation = "bench.microstax.ai/sent-unix-nano"

// watchDelivery opens watchers watches of object name in namespace ns,
// patches it count times one after another (pausing interval between
// two), each time stamping the send time in an annotation, and returns
// how long each change took to arrive on each watch (so it includes the
// write) and how many of the watchers × count deliveries did not arrive
// within 30 seconds of the last send. The watches share the target's
// client, and so its few HTTP/2 connections; open says how they read.
func watchDelivery(ctx context.Context, t *target, ns, name string, watchers, count int, interval time.Duration, open watchOpener) (latencies, int, error) {
	res := t.client.Resource(t.gvr).Namespace(ns)
	// From the namespace's current version on, so that no change is
	// missed while the other watches open. Not the object's own version:
	// in a namespace that has grown since it was written, a watch from
	// there replays every create after it, or fails once the watch cache
	// no longer holds that version (410 Gone).
	now, err := res.List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, 0, err
	}
	want := watchers * count
	got := make(chan time.Duration, want)
	for i := 0; i < watchers; i++ {
		stop, err := open(ctx, t, ns, now.GetResourceVersion(), got)
		if err != nil {
			return nil, 0, fmt.Errorf("watch %d: %w", i+1, err)
		}
		defer stop()
	}
	for i := 0; i < count; i++ {
		if i > 0 && interval > 0 {
			select {
			case <-ctx.Done():
				return nil, 0, ctx.Err()
			case <-time.After(interval):
			}
		}
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:"%d"}}}`, sentAnnotation, time.Now().UnixNano())
		if _, err := res.Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return nil, 0, err
		}
	}
	lat := make(latencies, 0, want)
	deadline := time.After(30 * time.Second)
	for len(lat) < want {
		select {
		case d := <-got:
			lat = append(lat, d)
		case <-deadline:
			return lat, want - len(lat), nil
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
	return lat, 0, nil
}

// A watchOpener opens a watch of namespace ns from version rv that sends
// on got how long each stamped change took to arrive, until stopped.
type watchOpener func(ctx context.Context, t *target, ns, rv string, got chan<- time.Duration) (stop func(), err error)

// deliver sends d on got unless more arrived than were asked for.
func deliver(got chan<- time.Duration, sent int64) {
	select {
	case got <- time.Since(time.Unix(0, sent)):
	default:
	}
}

// decodedWatch is a watch of the target's dynamic client: every event is
// decoded, as an informer's are.
func decodedWatch(ctx context.Context, t *target, ns, rv string, got chan<- time.Duration) (func(), error) {
	w, err := t.client.Resource(t.gvr).Namespace(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
	if err != nil {
		return nil, err
	}
	go func() {
		for ev := range w.ResultChan() {
			if st, ok := ev.Object.(*metav1.Status); ok && ev.Type == watch.Error && st.Code == http.StatusGone {
				// The watch ends; its deliveries count as missed.
				fmt.Fprintf(os.Stderr, "watch: %s\n", st.Message)
				continue
			}
			if u, ok := ev.Object.(*unstructured.Unstructured); ok && ev.Type == watch.Modified {
				if sent, err := strconv.ParseInt(u.GetAnnotations()[sentAnnotation], 10, 64); err == nil {
					deliver(got, sent)
				}
			}
		}
	}()
	return w.Stop, nil
}

// scannedWatch reads the JSON watch stream and only looks for the stamp
// in each MODIFIED event's line. A thousand decoding watches keep this
// 2-core machine's client busier than the servers (1.5 cores against
// 0.4, measured), and then delivery times measure the client's backlog;
// scanning costs the client little, so the server's delivery shows.
func scannedWatch(ctx context.Context, t *target, ns, rv string, got chan<- time.Duration) (func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	u := listURL(t, ns) + "?watch=1&allowWatchBookmarks=false&resourceVersion=" + url.QueryEscape(rv)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := t.http.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("watch: %s", resp.Status)
	}
	go func() {
		defer resp.Body.Close()
		modified, stamp := []byte(`{"type":"MODIFIED"`), []byte(`"`+sentAnnotation+`":"`)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if bytes.HasPrefix(line, []byte(`{"type":"ERROR"`)) {
				fmt.Fprintf(os.Stderr, "watch: %.300s\n", line)
				continue
			}
			if !bytes.HasPrefix(line, modified) {
				continue
			}
			i := bytes.Index(line, stamp)
			if i < 0 {
				continue
			}
			value := line[i+len(stamp):]
			if end := bytes.IndexByte(value, '"'); end > 0 {
				if sent, err := strconv.ParseInt(string(value[:end]), 10, 64); err == nil {
					deliver(got, sent)
				}
			}
		}
	}()
	return cancel, nil
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

// rss is VmRSS in KiB of each server process and of this one, the client.
func rss(c *cluster.Cluster) map[string]int64 {
	out := map[string]int64{}
	for name, p := range c.Processes {
		if kb, err := p.RSSKiB(); err == nil {
			out[name] = kb
		}
	}
	if kb, err := cluster.RSSKiB(os.Getpid()); err == nil {
		out[clientProcess] = kb
	}
	return out
}

const clientProcess = "bench client"

func sum(m map[string]int64) int64 {
	var total int64
	for _, v := range m {
		total += v
	}
	return total
}

// guardRSS samples every process's VmRSS each second until ctx ends and
// cancels ctx, saying why, once their sum passes max KiB. It returns the
// highest sum seen so far.
func guardRSS(ctx context.Context, cancel context.CancelCauseFunc, c *cluster.Cluster, max int64) *atomic.Int64 {
	var peak atomic.Int64
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			m := rss(c)
			total := sum(m)
			if total > peak.Load() {
				peak.Store(total)
			}
			if total > max {
				var parts []string
				for _, name := range slices.Sorted(maps.Keys(m)) {
					parts = append(parts, fmt.Sprintf("%s %s", name, gib(m[name])))
				}
				cancel(fmt.Errorf("aborted: the VmRSS of all processes sums to %s, past --max-rss %s (%s)",
					gib(total), gib(max), strings.Join(parts, ", ")))
				return
			}
		}
	}()
	return &peak
}

func gib(kib int64) string { return fmt.Sprintf("%.2f GiB", float64(kib)/(1<<20)) }

// cpuTimes is the CPU time (user and system) each process has used so far:
// the servers and this program, the client.
func cpuTimes(c *cluster.Cluster) map[string]time.Duration {
	out := map[string]time.Duration{}
	pids := map[string]int{clientProcess: os.Getpid()}
	for name, p := range c.Processes {
		pids[name] = p.Cmd.Process.Pid
	}
	for name, pid := range pids {
		if d, err := cpuTime(pid); err == nil {
			out[name] = d
		}
	}
	return out
}

// cpuTime reads utime and stime from /proc/<pid>/stat, in clock ticks of
// 10 ms (USER_HZ is 100 on Linux).
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; fields count from after its ')'.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// machineTime is the whole machine's CPU time from the first line of
// /proc/stat, in clock ticks: all of it, what no process wanted (idle and
// waiting on I/O), and what the hypervisor gave to other guests (steal). A
// row whose rounds had idle CPU was not CPU-bound; steal is why this
// machine's speed drifts, and it is not in any process's CPU time.
type machineTime struct{ total, idle, steal int64 }

// readMachineTime is the machine's time so far, or zero (shown as "–")
// when /proc/stat cannot be read or parsed.
func readMachineTime() machineTime {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineTime{}
	}
	m, err := parseMachineTime(string(raw))
	if err != nil {
		return machineTime{}
	}
	return m
}

// parseMachineTime reads the all-CPU line that /proc/stat begins with:
// "cpu  user nice system idle iowait irq softirq steal guest guest_nice".
// Guest time is inside user, so the total is of the first eight.
func parseMachineTime(stat string) (machineTime, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return machineTime{}, fmt.Errorf("/proc/stat begins %q, not the cpu line with eight counters", line)
	}
	var v [8]int64
	var m machineTime
	for i := range v {
		n, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			return machineTime{}, fmt.Errorf("/proc/stat cpu counter %d: %w", i+1, err)
		}
		v[i] = n
		m.total += n
	}
	m.idle, m.steal = v[3]+v[4], v[7]
	return m, nil
}

// minus is the time from o to m; unread (zero) if either is.
func (m machineTime) minus(o machineTime) machineTime {
	if m.total == 0 || o.total == 0 {
		return machineTime{}
	}
	return machineTime{m.total - o.total, m.idle - o.idle, m.steal - o.steal}
}

func (m machineTime) plus(o machineTime) machineTime {
	return machineTime{m.total + o.total, m.idle + o.idle, m.steal + o.steal}
}

// share is part as a percentage of the machine's time, or "–" when
// /proc/stat could not be read.
func (m machineTime) share(part int64) string {
	if m.total <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*float64(part)/float64(m.total))
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

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func report(w io.Writer, o options, results map[string]*result, rssAt []map[string]int64) {
	ratio := func(v, base float64) string {
		if base == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", v/base)
	}
	crd := results["crd"]
	fmt.Fprintf(w, "### Create (%d rounds of %d objects per row; creates/s is the median round, vs CRD the median of\n", o.rounds, o.creates)
	fmt.Fprintf(w, "each round's ratio to the CRD's row of that round; latencies pool all rounds)\n\n")
	fmt.Fprintln(w, "| target | clients | creates/s | rounds (creates/s) | p50 | p99 | creates/s vs CRD | p50 vs CRD | p99 vs CRD |")
	fmt.Fprintln(w, "|---|---:|---:|---|---:|---:|---:|---:|---:|")
	for _, name := range o.targets {
		r := results[name]
		for _, n := range o.concurrency {
			var rounds []string
			for _, v := range r.createPerSecond[n] {
				rounds = append(rounds, fmt.Sprintf("%.0f", v))
			}
			perSecond := median(r.createPerSecond[n])
			row := fmt.Sprintf("| %s | %d | %.0f | %s | %s | %s |", name, n, perSecond, strings.Join(rounds, ", "),
				ms(r.create[n].p(50)), ms(r.create[n].p(99)))
			if crd != nil {
				// The CRD's row of the same round ran just before: the
				// median of per-round ratios compares like with like.
				var ratios []float64
				for i, v := range r.createPerSecond[n] {
					ratios = append(ratios, v/crd.createPerSecond[n][i])
				}
				row += fmt.Sprintf(" %.2f× | %s | %s |", median(ratios),
					ratio(float64(r.create[n].p(50)), float64(crd.create[n].p(50))), ratio(float64(r.create[n].p(99)), float64(crd.create[n].p(99))))
			} else {
				row += " – | – | – |"
			}
			fmt.Fprintln(w, row)
		}
	}
	procs := []string{clientProcess, "kube-apiserver", "stax-apiserver", "etcd"}
	fmt.Fprintf(w, "\n### CPU time per create, by process (ms; /proc/<pid>/stat over the create rounds), and the machine's idle and stolen share of its CPU meanwhile (/proc/stat)\n\n")
	fmt.Fprintln(w, "| target | clients | "+strings.Join(procs, " | ")+" | total | machine idle | stolen |")
	fmt.Fprintln(w, "|---|---:|"+strings.Repeat("---:|", len(procs)+3))
	for _, name := range o.targets {
		r := results[name]
		for _, n := range o.concurrency {
			row := fmt.Sprintf("| %s | %d |", name, n)
			var total time.Duration
			for _, proc := range procs {
				d := r.cpuPerCreate(n, proc)
				total += d
				row += fmt.Sprintf(" %.2f |", float64(d.Microseconds())/1000)
			}
			m := r.createMachine[n]
			fmt.Fprintln(w, row+fmt.Sprintf(" %.2f | %s | %s |", float64(total.Microseconds())/1000, m.share(m.idle), m.share(m.steal)))
		}
	}
	fmt.Fprintf(w, "\n### List of %d objects (JSON, the -protobuf targets protobuf; %d runs)\n\n", o.listObjects, o.listRuns)
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
		if len(r.watch) == 0 && r.watchMissed == 0 {
			continue // not measured: a protobuf target
		}
		row := fmt.Sprintf("| %s | %d/%d | %s | %s |", name, len(r.watch), o.updates, ms(r.watch.p(50)), ms(r.watch.p(99)))
		if crd != nil {
			row += fmt.Sprintf(" %s | %s |", ratio(float64(r.watch.p(50)), float64(crd.watch.p(50))), ratio(float64(r.watch.p(99)), float64(crd.watch.p(99))))
		} else {
			row += " – | – |"
		}
		fmt.Fprintln(w, row)
	}
	fmt.Fprintln(w, "\n### Resident memory (VmRSS, MiB)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| process | start | after the create rounds | at the end |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, proc := range []string{"etcd", "kube-apiserver", "stax-apiserver"} {
		row := "| " + proc + " |"
		for _, m := range rssAt {
			row += fmt.Sprintf(" %.0f |", float64(m[proc])/1024)
		}
		fmt.Fprintln(w, row)
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64{}, v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

const protobufType = "application/vnd.kubernetes.protobuf"

// decodeProtobufList decodes a protobuf EnvironmentList, as a client
// would, for its size, items and continue token.
func decodeProtobufList(body []byte) (int, int, string, error) {
	obj, _, err := staxscheme.Codecs.UniversalDeserializer().Decode(body, nil, nil)
	if err != nil {
		return 0, 0, "", err
	}
	l, ok := obj.(*staxv1alpha1.EnvironmentList)
	if !ok {
		return 0, 0, "", fmt.Errorf("protobuf list decoded to %T", obj)
	}
	return len(body), len(l.Items), l.Continue, nil
}
