package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/test/cmd/stax-noisy-service/corpus"
)

var (
	noisyOnce sync.Once
	noisyPath string
	noisyErr  error
)

// noisyService builds test/cmd/stax-noisy-service once per test binary.
func noisyService(t testing.TB) string {
	t.Helper()
	noisyOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stax-noisy")
		if err != nil {
			noisyErr = err
			return
		}
		noisyPath = filepath.Join(dir, "stax-noisy-service")
		out, err := exec.Command("go", "build", "-o", noisyPath, "github.com/microstax/stax/test/cmd/stax-noisy-service").CombinedOutput()
		if err != nil {
			noisyErr = fmt.Errorf("building stax-noisy-service: %v\n%s", err, out)
		}
	})
	if noisyErr != nil {
		t.Fatal(noisyErr)
	}
	return noisyPath
}

// shadowCounters reads the stax_shadow_* counters of one overlay's service
// from stax-apiserver's /metrics, by name and extra labels
// (`stax_shadow_timed_out_total{target="candidate"}`). The exposition
// sorts labels by name, so an extra label may come before service
// (reason does): the labels are parsed, not matched as text.
func shadowCounters(t *testing.T, s *testServer, overlay, service string) map[string]float64 {
	t.Helper()
	body, err := s.Client.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"organization": ns, "overlay": overlay, "service": service}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "stax_shadow_") {
			continue
		}
		key, value, ok := strings.Cut(line, " ")
		name, rest, ok2 := strings.Cut(key, "{")
		if !ok || !ok2 {
			continue
		}
		matched, extra := 0, []string{}
		// Label values here never hold a comma or an escaped quote.
		for _, pair := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
			k, v, _ := strings.Cut(pair, "=")
			if w, ok := want[k]; ok {
				if strconv.Quote(w) == v {
					matched++
				}
				continue
			}
			extra = append(extra, pair)
		}
		if matched != len(want) {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("metrics line %q", line)
		}
		if len(extra) > 0 {
			name += "{" + strings.Join(extra, ",") + "}"
		}
		out[name] = v
	}
	return out
}

// delta is after minus before, per counter.
func delta(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// TestShadowResultsFlow runs a baseline of stax-noisy-service and an
// overlay running its candidate version on the local runtime of a real
// stax-apiserver, turns shadow on at 100%, sends the corpus (a fixed seed,
// 200 requests per endpoint) through the baseline's front as its clients
// would, and reads environments/diffs: every injected change is a
// Difference on its endpoint and field, no noise field is. The fronts'
// counters on /metrics say what was mirrored, dropped and timed out, and
// that an unsafe method was counted and not mirrored.
func TestShadowResultsFlow(t *testing.T) {
	const perEndpoint, seed, senders = 200, 42, 2
	s := startInProcess(t)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)

	api := staxv1.ServiceSpec{
		Name:     "api",
		Command:  []string{noisyService(t)},
		Args:     []string{"--version=baseline", "--seed-from-port"},
		Replicas: ptr.To[int32](1),
		Ports:    []staxv1.ServicePort{{Name: "http", Port: 8080, AppProtocol: staxv1.AppProtocolHTTP}},
		Health:   &staxv1.HealthCheck{TCP: &staxv1.TCPHealthCheck{Port: intstr.FromString("http")}, PeriodSeconds: 1, FailureThreshold: 3},
	}
	shop := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: ns},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{api}}}}
	if _, err := envs.Create(ctx, shop, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	shop = waitFor(t, s, "shop", "Ready", phaseIs(staxv1.EnvironmentReady))
	front := "http://" + endpointOf(t, shop, "api") // what the baseline's clients use
	if _, err := s.Client.StaxV1alpha1().Baselines(ns).Create(ctx, newBaseline("main", "shop"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitBaseline(t, s, "main", "Ready", func(b *staxv1.Baseline) bool { return b != nil && b.Status.Phase == staxv1.EnvironmentReady })
	if _, err := s.Client.StaxV1alpha1().Baselines(ns).CreateOverlay(ctx, "main", overlayRequest("feature",
		staxv1.ServiceChange{Name: "api", Args: []string{"--version=candidate", "--seed-from-port"}}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "feature", "Ready", phaseIs(staxv1.EnvironmentReady))

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	defer client.CloseIdleConnections()
	// send asks the baseline's front; t.Error, not Fatal: senders run in
	// goroutines of their own.
	send := func(method, uri string) {
		req, _ := http.NewRequest(method, front+uri, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s %s through the baseline's front: %v", method, uri, err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	// Never shadowed: an empty report, not an error, while the controller
	// runs and the overlay serves.
	send("GET", "/users/1")
	if d, err := getDiffs(ctx, s.Client, "feature"); err != nil || len(d.Report.Endpoints) != 0 {
		t.Fatalf("diffs of an overlay never shadowed: %v %+v", err, d)
	}

	before := shadowCounters(t, s, "feature", "api")
	on, err := shadowPatch(ctx, s.Client, "feature", `{"enabled":true,"percent":100,"ignore":{"headers":["Date"]}}`)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "feature", "applied with shadow", func(e *staxv1.Environment) bool {
		return e.Status.ObservedGeneration == on.Generation && e.Status.Phase == staxv1.EnvironmentReady
	})

	// Warm up until a copy reaches both the secondary (which the runtime
	// starts now) and the candidate: a copy the secondary cannot answer
	// teaches the engine no noise. /warmup is answered 404 by every
	// version, so it has no field of its own.
	warmups := 0.0
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		last := delta(before, shadowCounters(t, s, "feature", "api"))
		send("GET", "/warmup")
		warmups++
		var now map[string]float64
		for range 50 {
			if now = delta(before, shadowCounters(t, s, "feature", "api")); now["stax_shadow_mirrored_total"] >= warmups {
				// A scrape is no snapshot: it may see a copy mirrored
				// and not yet its failure, counted just before. The next
				// scrape sees it.
				now = delta(before, shadowCounters(t, s, "feature", "api"))
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		return now["stax_shadow_mirrored_total"] >= warmups &&
			now[`stax_shadow_failed_total{target="secondary"}`] == last[`stax_shadow_failed_total{target="secondary"}`] &&
			now[`stax_shadow_failed_total{target="candidate"}`] == last[`stax_shadow_failed_total{target="candidate"}`], nil
	})
	if err != nil {
		t.Fatalf("no copy reached the secondary and the candidate: %v", delta(before, shadowCounters(t, s, "feature", "api")))
	}
	warm := delta(before, shadowCounters(t, s, "feature", "api"))

	// Unsafe methods are not mirrored without allowUnsafe, but counted.
	const unsafe = 3
	for range unsafe {
		send("POST", "/users/7")
	}

	// The corpus, from a few clients of the baseline, in batches smaller
	// than the front's mirror queue (front.MirrorLimits, 64), each sent
	// once the copies of the last are done: mirroring is fire and forget,
	// and a burst faster than the copies (two requests and a comparison
	// each) is dropped by design (stax_shadow_dropped_total, queue_full).
	// Within the queue's bound nothing may be lost.
	const batch = 48
	start := time.Now()
	all := corpus.Requests(seed, perEndpoint)
	// outstanding are the sampled requests neither mirrored nor dropped yet.
	outstanding := func() float64 {
		n := 0.0
		for k, v := range delta(before, shadowCounters(t, s, "feature", "api")) {
			switch {
			case k == "stax_shadow_sampled_total":
				n += v
			case k == "stax_shadow_mirrored_total" || strings.HasPrefix(k, "stax_shadow_dropped_total"):
				n -= v
			}
		}
		return n
	}
	for i := 0; i < len(all); i += batch {
		requests := make(chan corpus.Request)
		var wg sync.WaitGroup
		for range senders {
			wg.Go(func() {
				for r := range requests {
					send(r.Method, r.URI())
				}
			})
		}
		for _, r := range all[i:min(i+batch, len(all))] {
			requests <- r
		}
		close(requests)
		wg.Wait()
		for deadline := time.Now().Add(10 * time.Second); outstanding() > 0 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	sent := time.Since(start)

	want := warmups + float64(len(all))
	var counts map[string]float64
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		counts = delta(before, shadowCounters(t, s, "feature", "api"))
		return counts["stax_shadow_mirrored_total"] >= want, nil
	})
	if err != nil {
		var dump strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&dump, 2)
		var front []string
		for _, g := range strings.Split(dump.String(), "\n\n") {
			if strings.Contains(g, "pkg/front") || strings.Contains(g, "shadowSink") || strings.Contains(g, "diff.(*Engine)") {
				front = append(front, g)
			}
		}
		t.Fatalf("mirrored %v of %v: %v\nthe mirrors' goroutines:\n%s", counts["stax_shadow_mirrored_total"], want, counts, strings.Join(front, "\n\n"))
	}
	t.Logf("sent %d requests in %v; counters since shadow went on: %v", len(all), sent.Round(time.Millisecond), counts)
	if counts["stax_shadow_mirrored_total"] != want {
		t.Errorf("mirrored %v, want %v: the unsafe requests were mirrored?", counts["stax_shadow_mirrored_total"], want)
	}
	if counts["stax_shadow_unsafe_skipped_total"] != unsafe {
		t.Errorf("unsafe requests counted %v, want %d", counts["stax_shadow_unsafe_skipped_total"], unsafe)
	}
	for k, v := range counts {
		if strings.HasPrefix(k, "stax_shadow_dropped_total") || strings.HasPrefix(k, "stax_shadow_timed_out_total") {
			t.Errorf("%s: %v", k, v)
		}
		// Failures of the warm-up only: the secondary was starting.
		if strings.HasPrefix(k, "stax_shadow_failed_total") && v != warm[k] {
			t.Errorf("%s: %v after the warm-up's %v", k, v, warm[k])
		}
	}

	// The controller publishes every few seconds: wait for every request.
	endpoint := func(pattern string) string { return "api:" + pattern }
	var report staxv1.DiffReport
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		d, err := getDiffs(ctx, s.Client, "feature")
		if err != nil {
			return false, err
		}
		report = d.Report
		got := map[string]int64{}
		for _, e := range report.Endpoints {
			got[e.Endpoint] = e.Requests
		}
		for _, p := range corpus.Endpoints {
			if got[endpoint(p)] < perEndpoint {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("the published report never had %d requests per endpoint: %v\n%s", perEndpoint, err, dumpDiff(report))
	}

	endpoints := map[string]staxv1.EndpointDiff{}
	for _, e := range report.Endpoints {
		endpoints[e.Endpoint] = e
		if !strings.HasPrefix(e.Endpoint, "api:") {
			t.Errorf("endpoint %q lacks its service", e.Endpoint)
		}
	}
	for _, p := range corpus.Endpoints {
		if n := endpoints[endpoint(p)].Requests; n != perEndpoint {
			t.Errorf("%s: %d requests, want %d", p, n, perEndpoint)
		}
	}
	find := func(pattern, field string) (staxv1.FieldDiff, bool) {
		for _, f := range endpoints[endpoint(pattern)].Fields {
			if f.Field == field {
				return f, true
			}
		}
		return staxv1.FieldDiff{}, false
	}
	injected := map[[2]string]bool{}
	found := 0
	for _, c := range corpus.Changes {
		injected[[2]string{endpoint(c.Endpoint), c.Field}] = true
		f, ok := find(c.Endpoint, c.Field)
		switch {
		case !ok || f.Verdict != "Difference":
			t.Errorf("%s (%s %s) not reported: %+v", c.What, c.Endpoint, c.Field, f)
		case f.Kind != c.Kind:
			t.Errorf("%s (%s %s) reported as kind %q, want %q", c.What, c.Endpoint, c.Field, f.Kind, c.Kind)
		case len(f.Examples) == 0:
			t.Errorf("%s (%s %s) has no example", c.What, c.Endpoint, c.Field)
		default:
			found++
		}
	}
	reported, truePositives := 0, 0
	for _, e := range report.Endpoints {
		for _, f := range e.Fields {
			if f.Field == "header:Date" {
				t.Errorf("%s: header:Date is ignored by spec.shadow.ignore.headers, yet reported: %+v", e.Endpoint, f)
			}
			if f.Verdict != "Difference" {
				continue
			}
			reported++
			if injected[[2]string{e.Endpoint, f.Field}] {
				truePositives++
			} else {
				t.Errorf("%s %s reported a Difference, but it is no injected change: %+v", e.Endpoint, f.Field, f)
			}
		}
	}
	for _, n := range corpus.Noise {
		if f, ok := find(n.Endpoint, n.Field); !ok || f.Verdict != "Noise" {
			t.Errorf("%s (%s %s) is not reported as Noise: %+v", n.What, n.Endpoint, n.Field, f)
		}
	}
	precision := float64(truePositives) / float64(max(reported, 1))
	recall := float64(found) / float64(len(corpus.Changes))
	t.Logf("shadow e2e: %d requests mirrored through the baseline's front, %d endpoints; %d injected changes, %d reported Differences, %d true: precision %.3f, recall %.3f",
		len(all), len(corpus.Endpoints), len(corpus.Changes), reported, truePositives, precision, recall)
	if precision != 1 || recall != 1 {
		t.Errorf("precision %.3f, recall %.3f; want 1.000 and 1.000", precision, recall)
	}
	if t.Failed() {
		t.Logf("report:\n%s", dumpDiff(report))
	}

	// Shadow off: the last report is published and stays readable.
	if _, err := shadowPatch(ctx, s.Client, "feature", `{"enabled":false}`); err != nil {
		t.Fatal(err)
	}
	if d, err := getDiffs(ctx, s.Client, "feature", "endpoint", endpoint("GET /users/{id}")); err != nil ||
		len(d.Report.Endpoints) != 1 || d.Report.Endpoints[0].Requests != perEndpoint {
		t.Errorf("after shadow off: %v %+v", err, d)
	}
}

func dumpDiff(r staxv1.DiffReport) string {
	var b strings.Builder
	for _, e := range r.Endpoints {
		fmt.Fprintf(&b, "%s (%d requests)\n", e.Endpoint, e.Requests)
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "  %-24s %-8s %-10s raw %3d (%s) noise %3d (%s)\n", f.Field, f.Kind, f.Verdict, f.Raw, f.RawRate, f.Noise, f.NoiseRate)
		}
	}
	return b.String()
}
