package environment

import (
	"math"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/microstax/stax/pkg/apis/stax"
	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cost"
	"github.com/microstax/stax/pkg/runsegment"
)

// TestSegmentsFollowRunAndStop: a run of 10 minutes, a stop of an hour, a
// run of 5 minutes, a resize, 5 more minutes: three segments, each with
// the plan's requests, and a record that holds them closed with the
// environment's labels and owner.
func TestSegmentsFollowRunAndStop(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC)
	e := env(staxv1.EnvironmentPending, false)
	e.Labels = map[string]string{"team": "core", runsegment.LabelOwner: "grace"}
	e.Annotations = map[string]string{staxv1.AnnotationCreatedBy: "ada"}
	e.Spec.Blueprint.Services[1].Resources.Requests = staxv1.ResourceList{"cpu": intstr.FromString("500m"), "memory": intstr.FromString("1Gi")}
	step := func(paused, stopped bool, at time.Duration) {
		e.Spec.Paused = paused
		e.Status = nextStatus(e, observation{stopped: stopped, now: t0.Add(at)})
	}
	step(false, false, 0)
	step(false, false, 5*time.Minute) // running: nothing new
	step(true, false, 10*time.Minute) // stopping still runs
	step(true, true, 10*time.Minute)
	step(false, false, 70*time.Minute)
	*e.Spec.Blueprint.Services[1].Replicas = 4
	step(false, false, 75*time.Minute)
	segs := e.Status.Segments
	if len(segs) != 3 || segs[0].End == nil || segs[1].End == nil || segs[2].End != nil {
		t.Fatalf("segments %+v", segs)
	}
	if !segs[0].Start.Time.Equal(t0) || !segs[0].End.Time.Equal(t0.Add(10*time.Minute)) ||
		!segs[1].Start.Time.Equal(t0.Add(70*time.Minute)) || !segs[2].Start.Time.Equal(t0.Add(75*time.Minute)) {
		t.Errorf("segment times %+v", segs)
	}
	if api := segs[2].Services[1]; api.Name != "api" || api.Replicas != 4 || api.CPU.String() != "500m" || api.Memory.String() != "1Gi" {
		t.Errorf("resized api requests %+v", api)
	}

	r := recordFor(e, t0.Add(80*time.Minute))
	if r.Owner != "grace" || r.Labels["team"] != "core" || r.Labels[stax.LabelRecordEnvironment] != "e" {
		t.Errorf("record owner %q labels %v", r.Owner, r.Labels)
	}
	if len(r.Segments) != 3 || r.Segments[2].End == nil || !r.Segments[2].End.Time.Equal(t0.Add(80*time.Minute)) {
		t.Fatalf("record segments %+v", r.Segments)
	}
	// api: 2 × 0.5 cores for 15 minutes, 4 × 0.5 for 5 minutes.
	g, _ := cost.GroupBy(cost.ByService)
	groups := cost.Aggregate([]cost.Item{{Environment: "e", Segments: runsegment.Segments(r.Segments, r.DailyUsage, time.Time{})}},
		t0, t0.Add(2*time.Hour), g, cost.Prices{CPUHour: 1})
	if groups[0].Key != "e/api" || math.Abs(groups[0].Usage.CPUCoreHours-(0.25+1.0/6)) > 1e-9 {
		t.Errorf("api usage %+v", groups)
	}
	delete(e.Labels, runsegment.LabelOwner)
	if r := recordFor(e, t0.Add(80*time.Minute)); r.Owner != "ada" {
		t.Errorf("owner without the label %q, want the creator", r.Owner)
	}
}

// TestOverlayCountsItsOwnServices: an overlay's segments hold its own
// blueprint's services only; the baseline's run in the baseline.
func TestOverlayCountsItsOwnServices(t *testing.T) {
	e := env(staxv1.EnvironmentPending, false)
	e.Spec.BaselineRef = &staxv1.BaselineReference{Name: "shop-stable"}
	e.Spec.Blueprint.Services = e.Spec.Blueprint.Services[1:] // api only: db comes from the baseline
	e.Status = nextStatus(e, observation{now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)})
	if segs := e.Status.Segments; len(segs) != 1 || len(segs[0].Services) != 1 || segs[0].Services[0].Name != "api" {
		t.Fatalf("overlay segments %+v", segs)
	}
	if r := recordFor(e, time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)); r.Baseline != "shop-stable" {
		t.Errorf("record baseline %q", r.Baseline)
	}
}
