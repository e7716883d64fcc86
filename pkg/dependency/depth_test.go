package dependency

import (
	"fmt"
	"testing"
)

func TestDepths(t *testing.T) {
	names := []string{"web", "api", "db", "cache", "lone"}
	deps := map[string][]string{
		"web":   {"api", "cache"},
		"api":   {"db", "ghost", "api"}, // unknown and self are skipped
		"cache": {"db"},
	}
	got := Depths(names, func(n string) []string { return deps[n] })
	want := map[string]int{"web": 2, "api": 1, "cache": 1, "db": 0, "lone": 0}
	for n, d := range want {
		if got[n] != d {
			t.Errorf("depth of %s = %d, want %d (all: %v)", n, got[n], d, got)
		}
	}
}

func TestDepthsOfALongChain(t *testing.T) {
	const n = 5000
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("s%d", i)
	}
	next := map[string][]string{}
	for i := 0; i+1 < n; i++ {
		next[names[i]] = []string{names[i+1]}
	}
	got := Depths(names, func(name string) []string { return next[name] })
	if got[names[0]] != n-1 {
		t.Fatalf("depth of the chain's head = %d, want %d", got[names[0]], n-1)
	}
}

func TestDepthsSurvivesACycle(t *testing.T) {
	deps := map[string][]string{"a": {"b"}, "b": {"a"}}
	_ = Depths([]string{"a", "b"}, func(n string) []string { return deps[n] })
}
