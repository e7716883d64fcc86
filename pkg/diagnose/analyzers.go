package diagnose

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/microstax/stax/pkg/runtime"
)

// Names of the analyzers, the Analyzer of their findings.
const (
	AnalyzerStopped            = "Stopped"
	AnalyzerProvisionFailed    = "ProvisionFailed"
	AnalyzerStartFailed        = "StartFailed"
	AnalyzerStackTrace         = "StackTrace"
	AnalyzerAddressInUse       = "AddressInUse"
	AnalyzerMissingEnv         = "MissingEnvironmentVariable"
	AnalyzerOutOfMemory        = "OutOfMemory"
	AnalyzerDependencyRefused  = "DependencyConnectionRefused"
	AnalyzerDependencyNotReady = "DependencyNotReady"
	AnalyzerCrashLoop          = "CrashLoop"
	AnalyzerImagePull          = "ImagePullBackOff"
	AnalyzerUnschedulable      = "Unschedulable"
	AnalyzerProbeFailed        = "ProbeFailed"
	AnalyzerUnhealthy          = "Unhealthy"
)

// maxEvidence bounds the evidence lines of one finding.
const maxEvidence = 8

// serviceAnalyzer looks at one service that is not healthy. Those that read
// the logs come first: a generic reason (CrashLoop) is reported only when
// no analyzer said more.
type serviceAnalyzer func(in *Input, s *Service) []Finding

var specific = []serviceAnalyzer{
	stackTrace, addressInUse, missingEnv, outOfMemory, dependencyRefused,
	imagePull, unschedulable, startFailed,
}

var generic = []serviceAnalyzer{dependencyNotReady, crashLoop, probeFailed, unhealthy}

func analyze(in *Input) []Finding {
	var out []Finding
	if in.Paused {
		return []Finding{{Analyzer: AnalyzerStopped, Severity: SeverityWarning,
			Cause:       "the environment is stopped",
			Evidence:    []string{"phase: " + in.Phase},
			Remediation: Remediation{Action: ActionResume, Description: "resume the environment"}}}
	}
	for _, c := range in.Conditions {
		if c.Type == "Provisioned" && c.Status == "False" && c.Reason != "Provisioning" {
			out = append(out, Finding{Analyzer: AnalyzerProvisionFailed, Severity: SeverityCritical,
				Cause:       "the runtime could not run the blueprint: " + c.Message,
				Evidence:    []string{fmt.Sprintf("condition Provisioned=False, reason %s: %s", c.Reason, c.Message)},
				Remediation: rollbackOr(in, "", "fix the blueprint or create what it refers to")})
		}
	}
	for i := range in.Services {
		s := &in.Services[i]
		if healthy(s) {
			continue
		}
		if s.Health == runtime.HealthStopped {
			out = append(out, Finding{Analyzer: AnalyzerStopped, Service: s.Name, Root: s.Name, Severity: SeverityWarning,
				Cause:       "the service is stopped",
				Evidence:    []string{"health: Stopped"},
				Remediation: Remediation{Action: ActionResume, Service: s.Name, Description: "resume the environment that runs " + s.Name}})
			continue
		}
		var found []Finding
		for _, a := range specific {
			found = append(found, a(in, s)...)
		}
		if len(found) == 0 {
			for _, a := range generic {
				if f := a(in, s); len(f) > 0 {
					found = f
					break
				}
			}
		}
		out = append(out, found...)
	}
	return out
}

func healthy(s *Service) bool {
	return s.Health == runtime.HealthHealthy && s.Ready >= s.Desired
}

// rollbackOr is a rollback of the service when its spec changed since the
// last Ready blueprint, else, on an overlay, to its baseline's version
// when the overlay changed it, otherwise the advice. The last Ready
// blueprint comes first: it is the nearer known good state.
func rollbackOr(in *Input, service, advice string) Remediation {
	what := "the blueprint"
	if service != "" {
		what = service + "'s spec"
	}
	switch {
	case in.HasLastReady && (service == "" && anyChanged(in.Changed) || in.Changed[service]):
		return Remediation{Action: ActionRollback, Service: service,
			Description: "roll " + what + " back to the last Ready blueprint (" + advice + " before changing it again)"}
	case service != "" && in.BaselineDiffers[service]:
		return Remediation{Action: ActionRollbackToBaseline, Service: service,
			Description: "roll " + what + " back to its baseline's version (" + advice + " before changing it again)"}
	}
	return Remediation{Action: ActionNone, Service: service, Description: advice}
}

func anyChanged(changed map[string]bool) bool {
	for _, c := range changed {
		if c {
			return true
		}
	}
	return false
}

// finding fills in what every service finding shares.
func finding(s *Service, analyzer string, sev Severity, cause string, evidence []string, r Remediation) Finding {
	if len(evidence) > maxEvidence {
		evidence = evidence[:maxEvidence]
	}
	return Finding{Analyzer: analyzer, Service: s.Name, Root: s.Name, Severity: sev, Cause: cause, Evidence: evidence, Remediation: r}
}

// matching returns the log lines re matches, the last ones when too many.
func matching(lines []string, re *regexp.Regexp) []string {
	var out []string
	for _, l := range lines {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	if len(out) > maxEvidence {
		out = out[len(out)-maxEvidence:]
	}
	return out
}

var (
	goPanic      = regexp.MustCompile(`^(panic: |fatal error: )`)
	goFrame      = regexp.MustCompile(`^goroutine \d+ \[`)
	pyTraceback  = regexp.MustCompile(`^Traceback \(most recent call last\):`)
	exceptionTop = regexp.MustCompile(`^(Exception in thread "|Caused by: |(\w+\.)*\w*(Error|Exception)\b:?)`)
	frameLine    = regexp.MustCompile(`^\s+(at |File ")`)
)

// stackTrace finds the last stack trace in the logs: a Go panic, a Python
// traceback, a Java or Node exception with its frames.
func stackTrace(in *Input, s *Service) []Finding {
	lines := s.Logs
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		switch {
		case goPanic.MatchString(l) && followedBy(lines[i+1:], goFrame, 4):
			return []Finding{finding(s, AnalyzerStackTrace, SeverityError, "the process crashed: "+l,
				trace(lines[i:]), rollbackOr(in, s.Name, "fix the code the trace points to"))}
		case pyTraceback.MatchString(l):
			ev := trace(lines[i:])
			cause := "the process raised an exception"
			if last := exceptionLine(lines[i+1:]); last != "" {
				cause += ": " + last
				ev = append(ev, last)
			}
			return []Finding{finding(s, AnalyzerStackTrace, SeverityError, cause, ev, rollbackOr(in, s.Name, "fix the code the trace points to"))}
		case exceptionTop.MatchString(l) && i+1 < len(lines) && frameLine.MatchString(lines[i+1]):
			return []Finding{finding(s, AnalyzerStackTrace, SeverityError, "the process crashed: "+l,
				trace(lines[i:]), rollbackOr(in, s.Name, "fix the code the trace points to"))}
		}
	}
	return nil
}

func followedBy(lines []string, re *regexp.Regexp, within int) bool {
	for i := 0; i < len(lines) && i < within; i++ {
		if re.MatchString(lines[i]) {
			return true
		}
	}
	return false
}

// trace is the head of a stack trace: its first line and frames.
func trace(lines []string) []string {
	n := min(len(lines), maxEvidence-1)
	return append([]string(nil), lines[:n]...)
}

// exceptionLine is the first unindented line after a Python traceback's
// frames: the exception and its message.
func exceptionLine(lines []string) string {
	for _, l := range lines {
		if l != "" && l[0] != ' ' && l[0] != '\t' {
			return l
		}
	}
	return ""
}

var addrInUse = regexp.MustCompile(`(?i)address already in use|EADDRINUSE|only one usage of each socket address`)

func addressInUse(in *Input, s *Service) []Finding {
	ev := matching(s.Logs, addrInUse)
	if len(ev) == 0 {
		return nil
	}
	advice := "make the service listen on $PORT, the port the runtime chose for it: another process holds the one it binds"
	return []Finding{finding(s, AnalyzerAddressInUse, SeverityError,
		"the service cannot listen: the address it binds is already in use", ev, rollbackOr(in, s.Name, advice))}
}

// Lines that name an unset environment variable; group 1 is its name.
var missingEnvPatterns = []*regexp.Regexp{
	regexp.MustCompile(`KeyError: '([A-Za-z_][A-Za-z0-9_]*)'`),
	regexp.MustCompile(`(?i:missing|undefined|unset)(?: required)? (?i:env(?:ironment)? var(?:iable)?)s?:?\s*['"$]?([A-Za-z_][A-Za-z0-9_]*)`),
	regexp.MustCompile(`(?i:env(?:ironment)? var(?:iable)?):?\s*['"$]?([A-Za-z_][A-Za-z0-9_]*)['"]? (?:is )?(?i:not set|not defined|missing|required|undefined|unset|empty)`),
	regexp.MustCompile(`\$?\b([A-Z][A-Z0-9_]{2,})\b['"]? (?:is )?(?:not set|unset|must be set|is required|required|not defined|missing|empty)\b`),
}

func missingEnv(in *Input, s *Service) []Finding {
	seen := map[string]bool{}
	var names, ev []string
	for _, l := range s.Logs {
		for _, re := range missingEnvPatterns {
			m := re.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			if !seen[m[1]] {
				seen[m[1]] = true
				names = append(names, m[1])
			}
			ev = append(ev, l)
			break
		}
	}
	if len(names) == 0 {
		return nil
	}
	list := strings.Join(names, ", ")
	return []Finding{finding(s, AnalyzerMissingEnv, SeverityError,
		"the service needs environment variables its blueprint does not set: "+list, ev,
		rollbackOr(in, s.Name, "set "+list+" in the service's env (spec.blueprint.services[].env)"))}
}

var oomLine = regexp.MustCompile(`^Killed$|(?i)out of memory|OOMKill|MemoryError|OutOfMemoryError|heap out of memory|cannot allocate memory`)

func outOfMemory(in *Input, s *Service) []Finding {
	var ev []string
	t := s.LastTermination
	oomKilled := t != nil && t.Reason == "OOMKilled"
	sigkill := t != nil && (t.ExitCode == 137 || t.Signal == "killed" || t.Signal == "9")
	for _, e := range s.Events {
		if e.Reason == "OOMKilling" || strings.Contains(e.Message, "OOMKilled") {
			oomKilled = true
			ev = append(ev, eventLine(e))
		}
	}
	lines := matching(s.Logs, oomLine)
	if !oomKilled && !sigkill && len(lines) == 0 {
		return nil
	}
	if t != nil {
		ev = append([]string{terminationLine(t)}, ev...)
	}
	ev = append(ev, lines...)
	switch {
	case oomKilled || in.Runtime == RuntimeKubernetes && sigkill:
		r := rollbackOr(in, s.Name, "raise the service's memory limit or make it use less")
		if s.MemoryLimit != "" && in.Runtime == RuntimeKubernetes {
			r = Remediation{Action: ActionRaiseMemory, Service: s.Name,
				Description: "raise the memory limit of " + s.Name + " (" + s.MemoryLimit + ") within the organization's quota"}
		}
		return []Finding{finding(s, AnalyzerOutOfMemory, SeverityCritical,
			"the container was killed for exceeding its memory limit (OOMKilled)", ev, r)}
	default:
		// The local runtime enforces no memory limit: a SIGKILL nobody
		// asked for is most often the kernel's out-of-memory killer.
		return []Finding{finding(s, AnalyzerOutOfMemory, SeverityCritical,
			"the process was killed (SIGKILL, exit code 137), most likely by the kernel's out-of-memory killer: the local runtime sets no memory limit",
			ev, rollbackOr(in, s.Name, "make the service use less memory"))}
	}
}

func terminationLine(t *runtime.Termination) string {
	s := fmt.Sprintf("last exit: code %d", t.ExitCode)
	if t.Signal != "" {
		s += ", signal " + t.Signal
	}
	if t.Reason != "" {
		s += ", reason " + t.Reason
	}
	return s
}

func eventLine(e runtime.Event) string {
	s := fmt.Sprintf("event %s %s: %s", e.Type, e.Reason, e.Message)
	if e.Count > 1 {
		s += fmt.Sprintf(" (x%d)", e.Count)
	}
	return s
}

var refused = regexp.MustCompile(`(?i)connection refused|ECONNREFUSED|connection reset|ECONNRESET|actively refused|Connection closed by foreign host`)

// dependencyRefused finds connections refused by a dependency. The finding
// points at the dependency (Root) while it is unhealthy; Run follows the
// pointer to the root cause.
func dependencyRefused(in *Input, s *Service) []Finding {
	lines := matching(s.Logs, refused)
	if len(lines) == 0 || len(s.DependsOn) == 0 {
		return nil
	}
	byDep := map[string][]string{}
	var order []string
	for _, l := range lines {
		dep := mentionedDependency(in, s, l)
		if dep == "" {
			continue
		}
		if byDep[dep] == nil {
			order = append(order, dep)
		}
		byDep[dep] = append(byDep[dep], l)
	}
	var out []Finding
	for _, dep := range order {
		d := in.service(dep)
		f := finding(s, AnalyzerDependencyRefused, SeverityError,
			"connections to its dependency "+dep+" are refused", byDep[dep],
			Remediation{Action: ActionNone, Service: s.Name, Description: "fix " + dep + "; " + s.Name + " recovers once " + dep + " accepts connections"})
		if d != nil && !healthy(d) {
			f.Root = dep
			f.Evidence = append(f.Evidence, fmt.Sprintf("%s: health %s %s", dep, d.Health, strings.TrimSpace(d.Reason+" "+d.Message)))
		} else {
			f.Severity = SeverityWarning
			f.Cause += ", though " + dep + " is healthy now"
			f.Remediation = Remediation{Action: ActionRestart, Service: s.Name, Description: "restart " + s.Name + " so that it connects again"}
		}
		out = append(out, f)
	}
	return out
}

// mentionedDependency is the dependency a log line names by address,
// variable or name; with one dependency, that one.
func mentionedDependency(in *Input, s *Service, line string) string {
	for _, dep := range s.DependsOn {
		d := in.service(dep)
		if d != nil && d.Endpoint != "" && strings.Contains(line, d.Endpoint) {
			return dep
		}
		if strings.Contains(line, runtime.DependencyURLVar(dep)) || regexp.MustCompile(`\b`+regexp.QuoteMeta(dep)+`\b`).MatchString(line) {
			return dep
		}
	}
	if len(s.DependsOn) == 1 {
		return s.DependsOn[0]
	}
	return ""
}

// dependencyNotReady: the service waits for, or fails with, a dependency
// that is not healthy. Root points at the first such dependency.
func dependencyNotReady(in *Input, s *Service) []Finding {
	for _, dep := range s.DependsOn {
		d := in.service(dep)
		if d == nil || healthy(d) {
			continue
		}
		ev := []string{fmt.Sprintf("%s: health %s %s", dep, d.Health, strings.TrimSpace(d.Reason+" "+d.Message))}
		if s.Message != "" {
			ev = append([]string{fmt.Sprintf("%s: %s %s", s.Name, s.Reason, s.Message)}, ev...)
		}
		f := finding(s, AnalyzerDependencyNotReady, SeverityWarning,
			"its dependency "+dep+" is not ready", ev,
			Remediation{Action: ActionNone, Service: s.Name, Description: s.Name + " starts once " + dep + " is healthy: fix " + dep})
		f.Root = dep
		return []Finding{f}
	}
	return nil
}

func crashLoop(in *Input, s *Service) []Finding {
	if s.Reason != "CrashLoop" && s.Reason != "CrashLoopBackOff" && s.Reason != "Error" {
		return nil
	}
	var ev []string
	if s.Message != "" {
		ev = append(ev, s.Reason+": "+s.Message)
	}
	if s.LastTermination != nil {
		ev = append(ev, terminationLine(s.LastTermination))
	}
	for _, e := range s.Events {
		if e.Reason == "BackOff" {
			ev = append(ev, eventLine(e))
		}
	}
	ev = append(ev, tail(s.Logs, 4)...)
	return []Finding{finding(s, AnalyzerCrashLoop, SeverityError,
		fmt.Sprintf("the service exits again and again (%d restarts)", s.Restarts), ev,
		rollbackOr(in, s.Name, "read its logs (kubectl stax logs) for why it exits"))}
}

// Reasons of a process or container that could not be started at all:
// the local runtime's (a replica's "failed to start: ..." is in its
// CrashLoop message) and the kubelet's.
var startFailedReasons = map[string]bool{"StartFailed": true, "RunContainerError": true, "CreateContainerError": true, "ContainerCannotRun": true, "StartError": true}

// startFailed: the command cannot be started (no such file, not
// executable), which no log explains since nothing ran.
func startFailed(in *Input, s *Service) []Finding {
	t := s.LastTermination
	if !startFailedReasons[s.Reason] && !strings.Contains(s.Message, "failed to start: ") && (t == nil || !startFailedReasons[t.Reason]) {
		return nil
	}
	ev := []string{strings.TrimSpace(s.Reason + ": " + s.Message)}
	if t != nil {
		ev = append(ev, terminationLine(t))
	}
	return []Finding{finding(s, AnalyzerStartFailed, SeverityCritical,
		"the service's command cannot be started", ev,
		rollbackOr(in, s.Name, "make the command name an executable the runtime has (the local runtime runs it on the server's host; a container, in its image)"))}
}

var imagePullReasons = map[string]bool{"ImagePullBackOff": true, "ErrImagePull": true, "InvalidImageName": true, "ErrImageNeverPull": true}

func imagePull(in *Input, s *Service) []Finding {
	if !imagePullReasons[s.Reason] {
		return nil
	}
	ev := []string{s.Reason + ": " + s.Message}
	for _, e := range s.Events {
		if e.Type == "Warning" && (e.Reason == "Failed" || e.Reason == "BackOff" || e.Reason == "InspectFailed") {
			ev = append(ev, eventLine(e))
		}
	}
	return []Finding{finding(s, AnalyzerImagePull, SeverityCritical,
		"the service's image cannot be pulled", ev,
		rollbackOr(in, s.Name, "check the image name and tag, and that the cluster may pull from its registry"))}
}

func unschedulable(in *Input, s *Service) []Finding {
	var ev []string
	if s.Reason == "Unschedulable" {
		ev = append(ev, s.Reason+": "+s.Message)
	}
	for _, e := range s.Events {
		if e.Reason == "FailedScheduling" {
			ev = append(ev, eventLine(e))
		}
	}
	if len(ev) == 0 {
		return nil
	}
	return []Finding{finding(s, AnalyzerUnschedulable, SeverityCritical,
		"no node can run the service's pods", ev,
		rollbackOr(in, s.Name, "lower the service's resource requests or add capacity to the cluster"))}
}

func probeFailed(in *Input, s *Service) []Finding {
	var ev []string
	if s.Reason == "ProbeFailed" {
		ev = append(ev, s.Reason+": "+s.Message)
	}
	for _, e := range s.Events {
		if e.Reason == "Unhealthy" {
			ev = append(ev, eventLine(e))
		}
	}
	if len(ev) == 0 {
		return nil
	}
	ev = append(ev, tail(s.Logs, 3)...)
	return []Finding{finding(s, AnalyzerProbeFailed, SeverityError,
		"the service runs but fails its health check", ev,
		Remediation{Action: ActionRestart, Service: s.Name, Description: "restart " + s.Name})}
}

// unhealthy reports what no other analyzer explained.
func unhealthy(in *Input, s *Service) []Finding {
	if s.Health != runtime.HealthUnhealthy {
		return nil
	}
	ev := []string{strings.TrimSpace(s.Reason + ": " + s.Message)}
	ev = append(ev, tail(s.Logs, 3)...)
	return []Finding{finding(s, AnalyzerUnhealthy, SeverityError, "the service is unhealthy: "+s.Reason, ev,
		rollbackOr(in, s.Name, "read its logs (kubectl stax logs)"))}
}

func tail(lines []string, n int) []string {
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return append([]string(nil), lines...)
}

func (in *Input) service(name string) *Service {
	for i := range in.Services {
		if in.Services[i].Name == name {
			return &in.Services[i]
		}
	}
	return nil
}
