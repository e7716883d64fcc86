// Package dependency answers questions about a dependsOn graph: whether it
// has a cycle, and which one. It is the one place the rule "dependsOn must
// not form a cycle" is computed; the API's validation and the runtimes' plan
// check both call it.
package dependency

// FindCycle returns the names of one cycle, the first name repeated at the
// end (a -> b -> a), or nil when there is none. names fixes the order of the
// walk, so the same graph always reports the same cycle; deps gives each
// name's dependencies. Unknown names and self-dependencies are not cycles
// here: callers report them as their own errors.
func FindCycle(names []string, deps func(name string) []string) []string {
	const (
		unvisited = iota
		inProgress
		done
	)
	known := make(map[string]bool, len(names))
	for _, n := range names {
		known[n] = true
	}
	state := make(map[string]int, len(names))
	var stack []string
	var visit func(name string) []string
	visit = func(name string) []string {
		state[name] = inProgress
		stack = append(stack, name)
		for _, dep := range deps(name) {
			if !known[dep] || dep == name {
				continue
			}
			switch state[dep] {
			case inProgress:
				for i, n := range stack {
					if n == dep {
						return append(append([]string{}, stack[i:]...), dep)
					}
				}
			case unvisited:
				if c := visit(dep); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
		return nil
	}
	for _, n := range names {
		if state[n] == unvisited {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}
