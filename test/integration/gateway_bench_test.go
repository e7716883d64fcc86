package integration

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// BenchmarkGateway compares GET /v1/organization through the gateway with
// the same call (get organizations/<org>, same token) made directly to the
// apiserver, in the same run. It reports p50 and p99 latency; ns/op is the
// mean, so b.N/elapsed is the sequential throughput.
//
//	go test ./test/integration -run '^$' -bench BenchmarkGateway -benchtime 2000x
func BenchmarkGateway(b *testing.B) {
	s := startInProcess(b, storeOnly)
	org := &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "bench"},
		Spec: staxv1.OrganizationSpec{Tier: staxv1.TierEnterprise, RequestsPerMinute: ptr.To[int32](2_000_000_000)}}
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(context.Background(), org, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	token := mintWithCLI(b, s, "bench", "bench")
	gw := startGateway(b, s)
	transport, err := rest.TransportFor(rest.AnonymousClientConfig(s.Config))
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: transport}
	get := func(b *testing.B, url string) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Organization-ID", "bench")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", url, resp.StatusCode)
		}
	}
	for _, bc := range []struct{ name, url string }{
		{"direct", s.Config.Host + "/apis/stax.microstax.ai/v1alpha1/organizations/bench"},
		{"gateway", gw + "/v1/organization"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range 50 { // warm connections and the token cache
				get(b, bc.url)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				get(b, bc.url)
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
