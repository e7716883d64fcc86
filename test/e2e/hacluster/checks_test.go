package hacluster

import (
	"strings"
	"testing"
	"time"
)

func TestLost(t *testing.T) {
	acks := []Ack{{Key: "a", RV: 10}, {Key: "a", RV: 12}, {Key: "b", RV: 11}, {Key: "c", RV: 13}}
	lost := Lost(acks, map[string]int64{"a": 12, "b": 15})
	if len(lost) != 1 || lost[0].Key != "c" {
		t.Errorf("lost %v, want only c (missing)", lost)
	}
	lost = Lost(acks, map[string]int64{"a": 10, "b": 11, "c": 13})
	if len(lost) != 1 || lost[0].RV != 12 {
		t.Errorf("lost %v, want a@12 (final a is older)", lost)
	}
}

func TestRecovery(t *testing.T) {
	acks := []Ack{
		{Call: 1 * time.Second, Return: 5 * time.Second}, // called before the fault
		{Call: 3 * time.Second, Return: 7 * time.Second},
		{Call: 4 * time.Second, Return: 6 * time.Second},
	}
	if d, ok := Recovery(acks, 2*time.Second); !ok || d != 4*time.Second {
		t.Errorf("recovery %s %v, want 4s", d, ok)
	}
	if _, ok := Recovery(acks, 10*time.Second); ok {
		t.Error("a recovery with no write after the fault")
	}
}

func TestGaps(t *testing.T) {
	w := &Watcher{events: map[string][]int64{"a": {11, 12, 14}, "b": {13, 13}}}
	gaps := w.Gaps(10, []Ack{{Key: "a", RV: 12}, {Key: "a", RV: 15}, {Key: "a", RV: 9}},
		map[string][]int64{"a": {14, 16}})
	got := strings.Join(gaps, "\n")
	for _, want := range []string{"b: event 13 after 13", "a: acknowledged write at 15 not watched", "a: read at 16 not watched"} {
		if !strings.Contains(got, want) {
			t.Errorf("gaps lack %q:\n%s", want, got)
		}
	}
	if len(gaps) != 3 {
		t.Errorf("%d gaps, want 3 (a@9 is before the watch):\n%s", len(gaps), got)
	}
}
