package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// BenchmarkEnvironmentsOnKubernetes creates STAX_BENCH_ENVS (default 500)
// Environments of one image service at once through stax-apiserver
// --runtime=kubernetes and reports the time until all are Ready, with kwok
// running the pods. Run it alone:
//
//	go test -run '^$' -bench EnvironmentsOnKubernetes -benchtime 1x -timeout 30m ./test/e2e/
func BenchmarkEnvironmentsOnKubernetes(b *testing.B) {
	n := 500
	if v := os.Getenv("STAX_BENCH_ENVS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	c := startWorkloadCluster(b)
	stax := startStandaloneOnCluster(b, c.AdminKubeconfig)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		org := fmt.Sprintf("bench%d", i)
		envs := stax.StaxV1alpha1().Environments(org)
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		sem := make(chan struct{}, 16)
		for j := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				_, err := envs.Create(ctx, &staxv1.Environment{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("env-%d", j)},
					Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
						{Name: "api", Image: "ghcr.io/acme/api:1", Ports: []staxv1.ServicePort{{Name: "http", Port: 8080}}}}}},
				}, metav1.CreateOptions{})
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		created := time.Since(start)
		ready := 0
		err := wait.PollUntilContextTimeout(ctx, time.Second, 20*time.Minute, true, func(ctx context.Context) (bool, error) {
			list, err := envs.List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, nil
			}
			ready = 0
			for _, e := range list.Items {
				if e.Status.Phase == staxv1.EnvironmentReady {
					ready++
				}
			}
			return ready == n, nil
		})
		if err != nil {
			b.Fatalf("%d of %d Ready after %v: %v", ready, n, time.Since(start), err)
		}
		all := time.Since(start)
		b.ReportMetric(created.Seconds(), "s-to-create")
		b.ReportMetric(all.Seconds(), "s-to-all-ready")
		b.ReportMetric(float64(n)/all.Seconds(), "envs/s")
	}
}
