package integration

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// TestGatewayMetrics: stax-gateway, a child process, counts on
// --metrics-bind-address what it answered, by route pattern and code, how
// long it took, and each refusal by its reason: no token, the limit of
// unauthenticated requests per address, a body over 1 MiB, no such route.
func TestGatewayMetrics(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: "acme"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	metricsAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	gw := startGatewayProcess(t, s, "--metrics-bind-address="+metricsAddr, "--unauthenticated-requests-per-minute=2")
	hc := &http.Client{Timeout: time.Minute}
	acme := &restClient{t: t, base: gw.url, token: mintWithCLI(t, s, "acme", "alice"), org: "acme", http: hc}
	anonymous := &restClient{t: t, base: gw.url, org: "acme", http: hc}

	acme.do("GET", "/v1/organization", "", "").expect(t, "acme", 200, nil)
	acme.do("GET", "/v1/organization", "", "").expect(t, "acme again", 200, nil)
	big := `{"name":"big","blueprint":{"services":[{"name":"` + strings.Repeat("x", 2<<20) + `"}]}}`
	acme.do("POST", "/v1/environments", "application/json", big).expect(t, "a 2 MiB body", 413, nil)
	anonymous.do("GET", "/v1/organization", "", "").expect(t, "no token", 401, nil)
	anonymous.do("GET", "/v1/organization", "", "").expect(t, "no token again", 401, nil)
	anonymous.do("GET", "/v1/organization", "", "").expect(t, "no token over the address's limit", 429, nil)
	acme.do("GET", "/v1/no-such-route", "", "").expect(t, "no such route", 404, nil)

	resp, err := hc.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string, labels ...string) float64 {
		f, ok := families[name]
		if !ok {
			return -1
		}
	metrics:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue metrics
				}
			}
			if m.Histogram != nil {
				return float64(m.Histogram.GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
		return 0
	}
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"stax_gateway_requests_total", []string{"route", "GET /v1/organization", "code", "200"}, 2},
		{"stax_gateway_requests_total", []string{"route", "GET /v1/organization", "code", "401"}, 2},
		{"stax_gateway_requests_total", []string{"route", "GET /v1/organization", "code", "429"}, 1},
		{"stax_gateway_requests_total", []string{"route", "POST /v1/environments", "code", "413"}, 1},
		{"stax_gateway_requests_total", []string{"route", "unmatched", "code", "404"}, 1},
		{"stax_gateway_request_duration_seconds", []string{"route", "GET /v1/organization"}, 5},
		{"stax_gateway_refusals_total", []string{"reason", "Unauthorized"}, 2},
		{"stax_gateway_refusals_total", []string{"reason", "TooManyRequests"}, 1},
		{"stax_gateway_refusals_total", []string{"reason", "RequestEntityTooLarge"}, 1},
		{"stax_gateway_refusals_total", []string{"reason", "NotFound"}, 1},
	} {
		if got := value(tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if t.Failed() {
		resp, _ := hc.Get("http://" + metricsAddr + "/metrics")
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(line, "stax_gateway_") {
				t.Log(line)
			}
		}
	}
}
