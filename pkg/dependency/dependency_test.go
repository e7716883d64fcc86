package dependency

import (
	"slices"
	"testing"
)

func TestFindCycle(t *testing.T) {
	for _, tc := range []struct {
		name  string
		names []string
		deps  map[string][]string
		want  []string
	}{
		{"none", []string{"web", "api", "db"}, map[string][]string{"web": {"api"}, "api": {"db"}}, nil},
		{"diamond is no cycle", []string{"a", "b", "c", "d"}, map[string][]string{"a": {"b", "c"}, "b": {"d"}, "c": {"d"}}, nil},
		{"three", []string{"web", "api", "db"}, map[string][]string{"web": {"api"}, "api": {"db"}, "db": {"web"}}, []string{"web", "api", "db", "web"}},
		{"order of the walk decides", []string{"db", "web", "api"}, map[string][]string{"web": {"api"}, "api": {"db"}, "db": {"web"}}, []string{"db", "web", "api", "db"}},
		{"two", []string{"a", "b", "c"}, map[string][]string{"a": {"c"}, "b": {"c"}, "c": {"b"}}, []string{"c", "b", "c"}},
		{"self and unknown are left to the caller", []string{"a"}, map[string][]string{"a": {"a", "ghost"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FindCycle(tc.names, func(n string) []string { return tc.deps[n] })
			if !slices.Equal(got, tc.want) {
				t.Fatalf("FindCycle = %v, want %v", got, tc.want)
			}
		})
	}
}
