package integration

import (
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/controller"
	runtimeoptions "github.com/microstax/stax/pkg/runtime/options"
)

// Controllers run in stax-apiserver count on its /metrics: their work
// queues' series and their syncs, by queue name. The token revocation
// controller deletes a revocation of a long expired token: one sync at
// least, no error.
func TestControllerMetricsOnAPIServer(t *testing.T) {
	s := startInProcess(t, func(o *server.Options) {
		o.Controllers = []string{controller.TokenRevocationController}
		o.Runtime.Name = runtimeoptions.None
	})
	ctx := context.Background()
	revocations := s.Client.StaxV1alpha1().TokenRevocations("acme")
	if _, err := revocations.Create(ctx, &staxv1.TokenRevocation{ObjectMeta: metav1.ObjectMeta{Name: "old"},
		Spec: staxv1.TokenRevocationSpec{TokenID: "old-jti", ExpirationTime: metav1.NewTime(time.Now().Add(-time.Hour))}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := revocations.Get(ctx, "old", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatalf("the expired revocation was not deleted: %v", err)
	}
	body, err := s.Client.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sample := func(series string) float64 {
		m := regexp.MustCompile("(?m)^" + regexp.QuoteMeta(series) + ` ([0-9.e+]+)$`).FindSubmatch(body)
		if m == nil {
			return -1
		}
		v, _ := strconv.ParseFloat(string(m[1]), 64)
		return v
	}
	for series, atLeast := range map[string]float64{
		`workqueue_adds_total{name="tokenrevocations"}`:                  1,
		`workqueue_work_duration_seconds_count{name="tokenrevocations"}`: 1,
		`workqueue_depth{name="tokenrevocations"}`:                       0,
		`stax_controller_syncs_total{controller="tokenrevocations"}`:     1,
	} {
		if v := sample(series); v < atLeast {
			t.Errorf("stax-apiserver's /metrics: %s = %v, want at least %v", series, v, atLeast)
		}
	}
	if v := sample(`stax_controller_sync_errors_total{controller="tokenrevocations"}`); v > 0 {
		t.Errorf("sync errors of the token revocation controller: %v", v)
	}
}
