package dependency

// Depths returns, for each name, the length in edges of the longest
// dependsOn chain that starts at it: 0 for a name without (known)
// dependencies, 2 for web in web -> api -> db. Unknown names and
// self-dependencies are skipped, as in FindCycle. Call it on a graph
// FindCycle found no cycle in; on a cycle the lengths are finite but
// meaningless.
func Depths(names []string, deps func(name string) []string) map[string]int {
	known := make(map[string]bool, len(names))
	for _, n := range names {
		known[n] = true
	}
	depth := make(map[string]int, len(names))
	visiting := make(map[string]bool, len(names))
	var visit func(name string) int
	visit = func(name string) int {
		if d, ok := depth[name]; ok {
			return d
		}
		if visiting[name] {
			return 0 // a cycle: stop rather than recurse forever
		}
		visiting[name] = true
		longest := 0
		for _, dep := range deps(name) {
			if !known[dep] || dep == name {
				continue
			}
			if d := visit(dep) + 1; d > longest {
				longest = d
			}
		}
		visiting[name] = false
		depth[name] = longest
		return longest
	}
	for _, n := range names {
		visit(n)
	}
	return depth
}
