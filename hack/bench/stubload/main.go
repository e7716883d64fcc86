// Command stubload measures stub servers side by side in one run: it starts
// each (stax-stub, and Prism's mock for comparison) on the same OpenAPI
// document on 127.0.0.1, sends the same requests (one valid request for
// each of the first -operations GET operations, from pkg/stub's
// SampleRequest) with 1 and then 32 clients for -duration each, and prints
// requests/s and p50/p99 latency as a Markdown table.
//
//	go run ./hack/bench/stubload -document pkg/stub/testdata/api.github.com.json.gz \
//	  -stax _output/bin/stax-stub -prism /tmp/prism/node_modules/.bin/prism
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/microstax/stax/pkg/stub"
)

func main() {
	document := flag.String("document", "", "OpenAPI document (may be gzipped)")
	staxBin := flag.String("stax", "_output/bin/stax-stub", "stax-stub binary")
	prismBin := flag.String("prism", "", "prism binary (empty: stax-stub only)")
	operations := flag.Int("operations", 200, "GET operations to spread the requests over")
	duration := flag.Duration("duration", 10*time.Second, "time per server and client count")
	flag.Parse()

	raw, err := os.ReadFile(*document)
	if err != nil {
		log.Fatal(err)
	}
	if z, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
		if raw, err = io.ReadAll(z); err != nil {
			log.Fatal(err)
		}
	}
	// Prism reads a plain file; both read the same bytes.
	plain := filepath.Join(os.TempDir(), "stubload-document.json")
	if err := os.WriteFile(plain, raw, 0o600); err != nil {
		log.Fatal(err)
	}
	d, err := stub.Parse(context.Background(), raw)
	if err != nil {
		log.Fatal(err)
	}
	var ops []stub.Operation
	for _, op := range d.Operations {
		if op.Method == http.MethodGet && len(ops) < *operations {
			ops = append(ops, op)
		}
	}

	servers := []struct {
		name string
		cmd  func(port int) *exec.Cmd
	}{
		{"stax-stub", func(port int) *exec.Cmd {
			return exec.Command(*staxBin, "--document", plain, "--listen", "127.0.0.1:"+strconv.Itoa(port))
		}},
	}
	if *prismBin != "" {
		servers = append(servers, struct {
			name string
			cmd  func(port int) *exec.Cmd
		}{"prism 5.16.0", func(port int) *exec.Cmd {
			return exec.Command(*prismBin, "mock", "-h", "127.0.0.1", "-p", strconv.Itoa(port), plain)
		}})
	}
	fmt.Printf("document: %s, %d operations, requests spread over %d GET operations, %s per row\n\n",
		d.Spec.Info.Title, len(d.Operations), len(ops), *duration)
	fmt.Println("| server | clients | requests/s | p50 | p99 | non-2xx | ready after |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, s := range servers {
		port := freePort()
		cmd := s.cmd(port)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		start := time.Now()
		if err := cmd.Start(); err != nil {
			log.Fatal(err)
		}
		base := "http://127.0.0.1:" + strconv.Itoa(port)
		waitUp(base, ops[0], d)
		ready := time.Since(start)
		for _, clients := range []int{1, 32} {
			r := load(base, d, ops, clients, *duration)
			fmt.Printf("| %s | %d | %.0f | %s | %s | %d | %s |\n", s.name, clients, r.rps, r.p50, r.p99, r.bad, ready.Round(100*time.Millisecond))
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitUp(base string, op stub.Operation, d *stub.Document) {
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		req, _ := d.SampleRequest(op, base, 1)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return
		}
	}
	log.Fatal("the server did not come up within 5 minutes")
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	bad      int
}

func load(base string, d *stub.Document, ops []stub.Operation, clients int, dur time.Duration) result {
	reqs := make([]*http.Request, len(ops))
	for i, op := range ops {
		reqs[i], _ = d.SampleRequest(op, base, 1)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr}
	var mu sync.Mutex
	var lat []time.Duration
	bad := 0
	stop := time.Now().Add(dur)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			var mine []time.Duration
			myBad := 0
			for i := c; time.Now().Before(stop); i++ {
				req := reqs[i%len(reqs)].Clone(context.Background())
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					myBad++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				if resp.StatusCode >= 300 {
					myBad++
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			bad += myBad
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	tr.CloseIdleConnections()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return result{bad: bad}
	}
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(10 * time.Microsecond) }
	return result{rps: float64(len(lat)) / dur.Seconds(), p50: pct(0.50), p99: pct(0.99), bad: bad}
}
