package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/test/e2e/hacluster"
)

// haBenchClients is how many clients create at once, spread evenly over
// the replicas in use.
const haBenchClients = 12

// haBenchWarmUp is how many creates each replica serves before measuring.
const haBenchWarmUp = 100

var haBenchRuns atomic.Int64

// BenchmarkHACreates measures creates/s and latency with 1, 2 and 3
// stax-apiservers on the three-member etcd cluster of the HA topology, in
// one run on one topology: the clients talk straight to the first n
// replicas (HAProxy's TCP hop is not what is measured), each client its
// own connection. On a machine with fewer cores than processes the figure
// shows what coordination through etcd costs, not capacity.
//
//	go test ./test/e2e -run '^$' -bench BenchmarkHACreates -benchtime 1500x
func BenchmarkHACreates(b *testing.B) {
	topo, err := hacluster.Start(context.Background(), hacluster.Config{
		Dir:      b.TempDir(),
		ToolsBin: toolsBin,
		StaxCommand: func(args ...string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), runServerEnv+"=1")
			return cmd
		},
		ExtraStaxArgs: []string{"--runtime=none", "--controllers="},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(topo.Stop)
	// Warm every replica (connections, caches, etcd's first compactions)
	// so that the first case does not pay the start for the others.
	for i, u := range topo.APIServerURLs {
		cs, err := versioned.NewForConfig(&rest.Config{Host: u, TLSClientConfig: rest.TLSClientConfig{
			CAFile: topo.CAFile, CertFile: topo.ClientCert, KeyFile: topo.ClientKey}, QPS: 100000, Burst: 100000})
		if err != nil {
			b.Fatal(err)
		}
		for j := range haBenchWarmUp {
			if _, err := cs.StaxV1alpha1().Environments("warm-up").Create(context.Background(),
				sleeper(fmt.Sprintf("w%d-%d", i, j)), metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for n := 1; n <= len(topo.APIServerURLs); n++ {
		b.Run(fmt.Sprintf("apiservers=%d", n), func(b *testing.B) {
			var clients []versioned.Interface
			for c := range haBenchClients {
				cfg := &rest.Config{
					Host:            topo.APIServerURLs[c%n],
					TLSClientConfig: rest.TLSClientConfig{CAFile: topo.CAFile, CertFile: topo.ClientCert, KeyFile: topo.ClientKey},
					QPS:             100000, Burst: 100000, Timeout: 30 * time.Second,
					// A dialer of its own: a connection of its own.
					Dial: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
				}
				cs, err := versioned.NewForConfig(cfg)
				if err != nil {
					b.Fatal(err)
				}
				clients = append(clients, cs)
			}
			// A namespace per invocation: the benchmark is run again with
			// a larger b.N, and names must not repeat.
			ns := fmt.Sprintf("bench-%d-%d", n, haBenchRuns.Add(1))
			var next atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			var failed atomic.Int64
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for _, cs := range clients {
				wg.Go(func() {
					envs := cs.StaxV1alpha1().Environments(ns)
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						t0 := time.Now()
						_, err := envs.Create(context.Background(), sleeper(fmt.Sprintf("e%d", i)), metav1.CreateOptions{})
						d := time.Since(t0)
						if err != nil {
							failed.Add(1)
							continue
						}
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if failed.Load() > 0 {
				b.Errorf("%d creates failed", failed.Load())
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			q := func(p float64) float64 {
				if len(lat) == 0 {
					return 0
				}
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "creates/s")
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}
