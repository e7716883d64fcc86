package runsegment

import (
	"math"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cost"
)

func q(s string) *resource.Quantity { v := resource.MustParse(s); return &v }

// TestFoldKeepsTheTotal: twenty stop-and-resume runs of an hour, each from
// 23:30, leave Keep segments and fold the rest into days, and the whole
// history still holds twenty hours of one core.
func TestFoldKeepsTheTotal(t *testing.T) {
	req := []staxv1.ServiceRequests{{Name: "api", Replicas: 2, CPU: q("500m"), Memory: q("512Mi")}}
	var st staxv1.EnvironmentStatus
	day := time.Date(2026, 10, 1, 23, 30, 0, 0, time.UTC)
	for i := 0; i < 20; i++ {
		start := metav1.NewTime(day.Add(time.Duration(i) * 24 * time.Hour))
		st.StartedAt, st.StoppedAt = &start, nil
		Track(&st, req, start.Time)
		stop := metav1.NewTime(start.Add(time.Hour))
		st.StartedAt, st.StoppedAt = nil, &stop
		Track(&st, req, stop.Time.Add(time.Minute)) // observed a minute late
	}
	if len(st.Segments) != Keep {
		t.Fatalf("%d segments, want %d", len(st.Segments), Keep)
	}
	// Four runs folded, each across midnight: 2026-10-01 to 2026-10-05.
	if len(st.DailyUsage) != 5 || st.DailyUsage[0].Date != "2026-10-01" || st.DailyUsage[4].Date != "2026-10-05" {
		t.Fatalf("daily usage %+v", st.DailyUsage)
	}
	if u := st.DailyUsage[1].Services[0].Usage; u.CPUCoreHours != "1.000000" || u.ReplicaHours != "2.000000" || u.MemoryGiBHours != "1.000000" {
		t.Errorf("a whole folded day %+v", u)
	}
	var total cost.Usage
	for _, s := range Segments(st.Segments, st.DailyUsage, time.Time{}) {
		total = total.Add(s.Usage())
	}
	if math.Abs(total.CPUCoreHours-20) > 1e-9 || math.Abs(total.ReplicaHours-40) > 1e-9 {
		t.Errorf("history holds %+v, want 20 core-hours", total)
	}
}

func TestTrackOpenAndClose(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	req := []staxv1.ServiceRequests{{Name: "api", Replicas: 1, CPU: q("1")}}
	var st staxv1.EnvironmentStatus
	Track(&st, req, t0) // not running: nothing
	if len(st.Segments) != 0 {
		t.Fatalf("a segment before running: %+v", st.Segments)
	}
	started := metav1.NewTime(t0)
	st.StartedAt = &started
	Track(&st, req, t0.Add(time.Minute))
	if len(st.Segments) != 1 || !st.Segments[0].Start.Equal(&started) || st.Segments[0].End != nil {
		t.Fatalf("open segment %+v", st.Segments)
	}
	// Still running: the open segment runs until now.
	if u := Segments(st.Segments, nil, t0.Add(90*time.Minute))[0].Usage(); u.CPUCoreHours != 1.5 {
		t.Errorf("open segment at now: %+v", u)
	}
	closed := Close(st.Segments, t0.Add(2*time.Hour))
	if closed[0].End == nil || st.Segments[0].End != nil {
		t.Errorf("Close must close a copy: %+v / %+v", closed, st.Segments)
	}
	// Stopped with no StoppedAt: closed at now.
	st.StartedAt = nil
	Track(&st, req, t0.Add(3*time.Hour))
	if st.Segments[0].End == nil || !st.Segments[0].End.Time.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("closed %+v", st.Segments[0])
	}
	if Owner(map[string]string{LabelOwner: "grace"}, map[string]string{staxv1.AnnotationCreatedBy: "ada"}) != "grace" ||
		Owner(nil, map[string]string{staxv1.AnnotationCreatedBy: "ada"}) != "ada" {
		t.Errorf("owner: the label, else the creator")
	}
}
