package worker

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/component-base/metrics/legacyregistry"
)

// value is the sample of family name whose label is labelValue: a
// counter's or gauge's value, a histogram's count; -1 if there is none.
func value(t *testing.T, name, label, labelValue string) float64 {
	t.Helper()
	families, err := legacyregistry.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == labelValue {
					return sampleValue(m)
				}
			}
		}
	}
	return -1
}

func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

// TestMetrics: a queue's depth, adds, latency and retries, and its syncs
// and their errors, are on the legacy registry under the queue's name.
func TestMetrics(t *testing.T) {
	const name = "metrics-test"
	var calls atomic.Int32
	q := New(name, func(ctx context.Context, key string) (time.Duration, error) {
		// The first sync of each key fails: retried once with back-off.
		if calls.Add(1) <= 2 {
			return 0, errors.New("not yet")
		}
		return 0, nil
	})
	q.queue.Add("acme/shop")
	q.queue.Add("acme/cart")
	if got := value(t, "workqueue_depth", "name", name); got != 2 {
		t.Errorf("workqueue_depth before the workers start: %v, want 2", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx, 1)
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return value(t, "stax_controller_syncs_total", "controller", name) == 4, nil
	})
	if err != nil {
		t.Fatalf("syncs: %v, want 4 (two keys, each failed once)", value(t, "stax_controller_syncs_total", "controller", name))
	}
	for _, want := range []struct {
		metric string
		value  float64
	}{
		{"stax_controller_sync_errors_total", 2},
		{"workqueue_retries_total", 2},
		{"workqueue_adds_total", 4},
		{"workqueue_work_duration_seconds", 4},
		{"workqueue_queue_duration_seconds", 4},
		{"workqueue_depth", 0},
	} {
		label := "name"
		if want.metric == "stax_controller_sync_errors_total" {
			label = "controller"
		}
		if got := value(t, want.metric, label, name); got != want.value {
			t.Errorf("%s{%s=%q} = %v, want %v", want.metric, label, name, got, want.value)
		}
	}
}
