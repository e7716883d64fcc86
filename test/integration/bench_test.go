package integration

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// BenchmarkAuthenticatedGet measures GETs of one environment against a
// running server: with a client certificate, and with a hybrid token with and
// without the verification cache. Run with:
//
//	go test ./test/integration -run '^$' -bench AuthenticatedGet -benchtime 3000x
func BenchmarkAuthenticatedGet(b *testing.B) {
	for _, cacheSize := range []int{4096, 0} {
		s := startInProcess(b, storeOnly, func(o *server.Options) { o.Identity.CacheSize = cacheSize })
		ctx := context.Background()
		if _, err := s.Client.StaxV1alpha1().Environments(ns).Create(ctx, newEnvironment("bench", nil), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		token := mintWithCLI(b, s, ns, "bench")
		clients := map[string]versioned.Interface{"token": tokenClient(b, s, token)}
		if cacheSize > 0 {
			clients["client-cert"] = s.Client
		}
		for _, kind := range []string{"client-cert", "token"} {
			c, ok := clients[kind]
			if !ok {
				continue
			}
			name := kind
			if kind == "token" {
				name = fmt.Sprintf("token/cache=%d", cacheSize)
			}
			b.Run(name, func(b *testing.B) {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := c.StaxV1alpha1().Environments(ns).Get(ctx, "bench", metav1.GetOptions{}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}
