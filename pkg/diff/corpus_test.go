package diff_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/test/cmd/stax-noisy-service/corpus"
)

// The corpus: three instances of stax-noisy-service on loopback — primary
// and secondary the baseline with different seeds, candidate the
// candidate — asked the same corpus requests; every change the candidate
// injects must come out a Difference on its endpoint and field, and
// nothing else.
const (
	corpusSeed        = 42
	corpusPerEndpoint = 200
	corpusWorkers     = 4
)

var noisy struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if noisy.dir != "" {
		os.RemoveAll(noisy.dir)
	}
	os.Exit(code)
}

// noisyService builds the service once per test binary.
func noisyService(t *testing.T) string {
	t.Helper()
	noisy.once.Do(func() {
		noisy.dir, noisy.err = os.MkdirTemp("", "noisy")
		if noisy.err != nil {
			return
		}
		noisy.bin = filepath.Join(noisy.dir, "stax-noisy-service")
		out, err := exec.Command("go", "build", "-o", noisy.bin, "github.com/microstax/stax/test/cmd/stax-noisy-service").CombinedOutput()
		if err != nil {
			noisy.err = fmt.Errorf("building stax-noisy-service: %v\n%s", err, out)
		}
	})
	if noisy.err != nil {
		t.Fatal(noisy.err)
	}
	return noisy.bin
}

// startNoisy starts one instance and is its base URL.
func startNoisy(t *testing.T, version string, seed int) string {
	t.Helper()
	cmd := exec.Command(noisyService(t), "--version="+version, fmt.Sprintf("--seed=%d", seed), "--listen=127.0.0.1:0")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("%s instance: first line %q, %v", version, line, err)
	}
	go io.Copy(io.Discard, stdout)
	return "http://" + addr
}

func ask(client *http.Client, base string, r corpus.Request) diff.Response {
	start := time.Now()
	req, err := http.NewRequest(r.Method, base+r.URI(), nil)
	if err != nil {
		return diff.Response{Err: err.Error()}
	}
	resp, err := client.Do(req)
	if err != nil {
		return diff.Response{Err: err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return diff.Response{Err: err.Error()}
	}
	return diff.Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Latency: time.Since(start)}
}

// runCorpus sends every corpus request to the three instances at once, as
// a mirror does, and feeds the exchanges to e from a few workers.
func runCorpus(t *testing.T, e *diff.Engine) {
	primary := startNoisy(t, "baseline", 1)
	secondary := startNoisy(t, "baseline", 2)
	candidate := startNoisy(t, "candidate", 3)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 3 * corpusWorkers}}
	defer client.CloseIdleConnections()

	requests := make(chan corpus.Request)
	var wg sync.WaitGroup
	for range corpusWorkers {
		wg.Go(func() {
			for r := range requests {
				x := diff.Exchange{Time: time.Now(), Method: r.Method, Path: r.Path, Query: r.Query}
				var three sync.WaitGroup
				three.Go(func() { x.Primary = ask(client, primary, r) })
				three.Go(func() { x.Secondary = ask(client, secondary, r) })
				three.Go(func() { x.Candidate = ask(client, candidate, r) })
				three.Wait()
				e.Observe(x)
			}
		})
	}
	for _, r := range corpus.Requests(corpusSeed, corpusPerEndpoint) {
		requests <- r
	}
	close(requests)
	wg.Wait()
}

func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three services")
	}
	e := diff.NewEngine(diff.Options{})
	runCorpus(t, e)
	report := e.Report()

	if got, want := e.Requests(), int64(len(corpus.Endpoints)*corpusPerEndpoint); got != want || report.Dropped != 0 {
		t.Errorf("compared %d requests, dropped %d; want %d, 0", got, report.Dropped, want)
	}
	endpoints := map[string]diff.EndpointReport{}
	for _, er := range report.Endpoints {
		endpoints[er.Endpoint] = er
	}
	for _, want := range corpus.Endpoints {
		if er, ok := endpoints[want]; !ok || er.Requests != corpusPerEndpoint {
			t.Errorf("endpoint %s: %d requests, learnt %v", want, er.Requests, ok)
		}
	}
	if len(endpoints) != len(corpus.Endpoints) {
		t.Errorf("learnt %d endpoints, want %v:\n%s", len(endpoints), corpus.Endpoints, dump(report))
	}

	find := func(endpoint, field string) (diff.FieldReport, bool) {
		for _, f := range endpoints[endpoint].Fields {
			if f.Field == field {
				return f, true
			}
		}
		return diff.FieldReport{}, false
	}
	injected := map[[2]string]bool{}
	found := 0
	for _, c := range corpus.Changes {
		injected[[2]string{c.Endpoint, c.Field}] = true
		f, ok := find(c.Endpoint, c.Field)
		switch {
		case !ok || f.Verdict != diff.VerdictDifference:
			t.Errorf("%s (%s %s) not reported: %+v", c.What, c.Endpoint, c.Field, f)
		case f.Kind != c.Kind:
			t.Errorf("%s (%s %s) reported as kind %q, want %q", c.What, c.Endpoint, c.Field, f.Kind, c.Kind)
			found++
		case len(f.Examples) == 0:
			t.Errorf("%s (%s %s) has no example", c.What, c.Endpoint, c.Field)
			found++
		default:
			found++
		}
	}
	reported, truePositives := 0, 0
	for _, er := range report.Endpoints {
		for _, f := range er.Fields {
			if f.Verdict != diff.VerdictDifference {
				continue
			}
			reported++
			if injected[[2]string{er.Endpoint, f.Field}] {
				truePositives++
			} else {
				t.Errorf("%s %s reported a Difference, but it is no injected change: %+v", er.Endpoint, f.Field, f)
			}
		}
	}
	for _, n := range corpus.Noise {
		if f, ok := find(n.Endpoint, n.Field); !ok || f.Verdict != diff.VerdictNoise {
			t.Errorf("%s (%s %s) is not reported as Noise: %+v", n.What, n.Endpoint, n.Field, f)
		}
	}
	precision := float64(truePositives) / float64(max(reported, 1))
	recall := float64(found) / float64(len(corpus.Changes))
	t.Logf("corpus: %d requests, %d endpoints; %d injected changes, %d reported Differences, %d true: precision %.3f, recall %.3f",
		e.Requests(), len(endpoints), len(corpus.Changes), reported, truePositives, precision, recall)
	if t.Failed() {
		t.Logf("report:\n%s", dump(report))
	}
}

func dump(r diff.Report) string {
	var b strings.Builder
	for _, er := range r.Endpoints {
		fmt.Fprintf(&b, "%s (%d requests)\n", er.Endpoint, er.Requests)
		for _, f := range er.Fields {
			fmt.Fprintf(&b, "  %-24s %-8s %-10s raw %3d (%.3f) noise %3d (%.3f)\n", f.Field, f.Kind, f.Verdict, f.Raw, f.RawRate, f.Noise, f.NoiseRate)
		}
	}
	return b.String()
}
