package diagnose

import "sort"

// Run analyzes the input and returns its findings, root causes first
// (by severity, then blueprint order), then their symptoms.
func Run(in Input) []Finding {
	findings := analyze(&in)
	resolveRoots(&in, findings)
	order := map[string]int{}
	for i, s := range in.Services {
		order[s.Name] = i + 1
	}
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		if a.Symptom() != b.Symptom() {
			return !a.Symptom()
		}
		if rank[a.Severity] != rank[b.Severity] {
			return rank[a.Severity] < rank[b.Severity]
		}
		return order[a.Service] < order[b.Service]
	})
	return findings
}

var rank = map[Severity]int{SeverityCritical: 0, SeverityError: 1, SeverityWarning: 2}

// Roots are the services at the root of the findings, in order.
func Roots(findings []Finding) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Root != "" && !seen[f.Root] {
			seen[f.Root] = true
			out = append(out, f.Root)
		}
	}
	return out
}

// resolveRoots follows each finding's pointer to a failing dependency down
// to the service where the cause lies, and marks every finding of a
// service whose dependency failed as that failure's symptom: api's stack
// trace after db refused its connections is db's doing.
func resolveRoots(in *Input, findings []Finding) {
	points := map[string]string{} // service -> failing dependency it blames
	for _, f := range findings {
		if f.Service != "" && f.Root != f.Service && points[f.Service] == "" {
			points[f.Service] = f.Root
		}
	}
	var rootOf func(svc string, seen map[string]bool) string
	rootOf = func(svc string, seen map[string]bool) string {
		next, ok := points[svc]
		if !ok || seen[svc] {
			return svc
		}
		seen[svc] = true
		return rootOf(next, seen)
	}
	for i := range findings {
		f := &findings[i]
		if f.Service == "" {
			continue
		}
		f.Root = rootOf(f.Service, map[string]bool{})
	}
}
