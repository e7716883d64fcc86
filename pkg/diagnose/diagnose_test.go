package diagnose

import (
	"strings"
	"testing"

	"github.com/microstax/stax/pkg/runtime"
)

func svc(name string, mods ...func(*Service)) Service {
	s := Service{Name: name, Desired: 1, Ready: 0, Health: runtime.HealthUnhealthy}
	for _, m := range mods {
		m(&s)
	}
	return s
}

func ok(s *Service)                   { s.Ready, s.Health = 1, runtime.HealthHealthy }
func logs(l ...string) func(*Service) { return func(s *Service) { s.Logs = l } }
func reason(r, m string) func(*Service) {
	return func(s *Service) { s.Reason, s.Message = r, m }
}
func deps(d ...string) func(*Service) { return func(s *Service) { s.DependsOn = d } }
func exit(code int32, sig, why string) func(*Service) {
	return func(s *Service) { s.LastTermination = &runtime.Termination{ExitCode: code, Signal: sig, Reason: why} }
}
func events(e ...runtime.Event) func(*Service) { return func(s *Service) { s.Events = e } }

func TestRun(t *testing.T) {
	goPanic := []string{"starting", "panic: runtime error: index out of range [3] with length 3", "",
		"goroutine 1 [running]:", "main.main()", "\t/src/main.go:12 +0x1d", "exit status 2"}
	pyTrace := []string{"Traceback (most recent call last):", `  File "/app/db.py", line 3, in <module>`,
		"    url = os.environ['DATABASE_URL']", "KeyError: 'DATABASE_URL'"}
	for _, tc := range []struct {
		name     string
		in       Input
		want     []string // analyzer/service/root of each finding, in order
		evidence string   // a line the first finding's evidence holds
		action   Action   // the first finding's remediation
	}{
		{"healthy", Input{Services: []Service{svc("api", ok)}}, nil, "", ""},
		{"stopped", Input{Paused: true, Phase: "Stopped", Services: []Service{svc("api")}},
			[]string{"Stopped//"}, "phase: Stopped", ActionResume},
		{"go panic", Input{Services: []Service{svc("api", logs(goPanic...), reason("CrashLoop", "exited with code 2"))}},
			[]string{"StackTrace/api/api"}, "goroutine 1 [running]:", ActionNone},
		{"go panic, changed since Ready", Input{HasLastReady: true, Changed: map[string]bool{"api": true},
			Services: []Service{svc("api", logs(goPanic...))}},
			[]string{"StackTrace/api/api"}, "panic: runtime error: index out of range [3] with length 3", ActionRollback},
		{"go panic on an overlay that changed it: its baseline's version", Input{BaselineDiffers: map[string]bool{"api": true},
			Services: []Service{svc("api", logs(goPanic...))}},
			[]string{"StackTrace/api/api"}, "goroutine 1 [running]:", ActionRollbackToBaseline},
		{"the last Ready blueprint comes before the baseline's version", Input{HasLastReady: true, Changed: map[string]bool{"api": true},
			BaselineDiffers: map[string]bool{"api": true}, Services: []Service{svc("api", logs(goPanic...))}},
			[]string{"StackTrace/api/api"}, "goroutine 1 [running]:", ActionRollback},
		{"python traceback names the variable too", Input{Services: []Service{svc("db", logs(pyTrace...))}},
			[]string{"StackTrace/db/db", "MissingEnvironmentVariable/db/db"}, "KeyError: 'DATABASE_URL'", ActionNone},
		{"java exception", Input{Services: []Service{svc("api", logs(`Exception in thread "main" java.lang.IllegalStateException: boom`, "\tat com.example.Main.main(Main.java:5)"))}},
			[]string{"StackTrace/api/api"}, "\tat com.example.Main.main(Main.java:5)", ActionNone},
		{"address in use", Input{Services: []Service{svc("api", logs("listen tcp 127.0.0.1:8080: bind: address already in use"))}},
			[]string{"AddressInUse/api/api"}, "listen tcp 127.0.0.1:8080: bind: address already in use", ActionNone},
		{"missing env, plain message", Input{Services: []Service{svc("api", logs("fatal: API_KEY is not set"))}},
			[]string{"MissingEnvironmentVariable/api/api"}, "fatal: API_KEY is not set", ActionNone},
		{"missing env, node style", Input{Services: []Service{svc("api", logs("Error: Missing required environment variable: STRIPE_TOKEN"))}},
			[]string{"MissingEnvironmentVariable/api/api"}, "Error: Missing required environment variable: STRIPE_TOKEN", ActionNone},
		{"killed 137 on local", Input{Runtime: RuntimeLocal, Services: []Service{svc("worker", exit(137, "killed", "Signaled"), logs("Killed"))}},
			[]string{"OutOfMemory/worker/worker"}, "last exit: code 137, signal killed, reason Signaled", ActionNone},
		{"OOMKilled on kubernetes raises the limit", Input{Runtime: RuntimeKubernetes, Services: []Service{svc("worker", exit(137, "", "OOMKilled"),
			reason("CrashLoopBackOff", "back-off"), func(s *Service) { s.MemoryLimit = "64Mi" })}},
			[]string{"OutOfMemory/worker/worker"}, "last exit: code 137, reason OOMKilled", ActionRaiseMemory},
		{"db crashes, api refused: the root is db", Input{Services: []Service{
			svc("db", reason("CrashLoop", "exited with code 1; restarted 3 times"), logs("db: fatal: corrupt page")),
			svc("api", deps("db"), logs(`Get "http://127.0.0.1:4001/": dial tcp 127.0.0.1:4001: connect: connection refused`)),
		}}, []string{"CrashLoop/db/db", "DependencyConnectionRefused/api/db"}, "CrashLoop: exited with code 1; restarted 3 times", ActionNone},
		{"refused by a healthy dependency: transient, restart", Input{Services: []Service{
			svc("db", ok, func(s *Service) { s.Endpoint = "127.0.0.1:4001" }),
			svc("cache", ok),
			svc("api", deps("cache", "db"), logs("dial tcp 127.0.0.1:4001: connect: connection refused")),
		}}, []string{"DependencyConnectionRefused/api/api"}, "dial tcp 127.0.0.1:4001: connect: connection refused", ActionRestart},
		{"a chain: web waits for api, api for db", Input{Services: []Service{
			svc("db", logs("Killed"), exit(137, "killed", "Signaled")),
			svc("api", deps("db"), reason("WaitingForDependencies", "waiting for db to be healthy"), func(s *Service) { s.Health = runtime.HealthWaiting }),
			svc("web", deps("api"), reason("WaitingForDependencies", "waiting for api to be healthy"), func(s *Service) { s.Health = runtime.HealthWaiting }),
		}}, []string{"OutOfMemory/db/db", "DependencyNotReady/api/db", "DependencyNotReady/web/db"}, "Killed", ActionNone},
		{"api's panic after db refused is db's symptom", Input{Services: []Service{
			svc("db", reason("ProbeFailed", "probe failed 3 times: connection refused")),
			svc("api", deps("db"), logs("panic: dial db: connection refused", "", "goroutine 1 [running]:")),
		}}, []string{"ProbeFailed/db/db", "StackTrace/api/db", "DependencyConnectionRefused/api/db"}, "ProbeFailed: probe failed 3 times: connection refused", ActionRestart},
		{"crash loop back-off", Input{Runtime: RuntimeKubernetes, Services: []Service{svc("api", reason("CrashLoopBackOff", "pod api-1: back-off"), exit(1, "", "Error"),
			events(runtime.Event{Type: "Warning", Reason: "BackOff", Message: "Back-off restarting failed container", Count: 5}))}},
			[]string{"CrashLoop/api/api"}, "event Warning BackOff: Back-off restarting failed container (x5)", ActionNone},
		{"image pull", Input{Runtime: RuntimeKubernetes, Changed: map[string]bool{"api": true}, HasLastReady: true, Services: []Service{svc("api", reason("ImagePullBackOff", "pod api-1: ImagePullBackOff"),
			events(runtime.Event{Type: "Warning", Reason: "Failed", Message: `Failed to pull image "nope:1"`}))}},
			[]string{"ImagePullBackOff/api/api"}, `event Warning Failed: Failed to pull image "nope:1"`, ActionRollback},
		{"unschedulable", Input{Runtime: RuntimeKubernetes, Services: []Service{svc("api", reason("Unschedulable", "pod api-1: 0/1 nodes are available: 1 Insufficient memory."),
			func(s *Service) { s.Health = runtime.HealthWaiting })}},
			[]string{"Unschedulable/api/api"}, "Unschedulable: pod api-1: 0/1 nodes are available: 1 Insufficient memory.", ActionNone},
		{"provision failed", Input{Conditions: []Condition{{Type: "Provisioned", Status: "False", Reason: "ProvisionFailed", Message: "port 0 is invalid"}}},
			[]string{"ProvisionFailed//"}, "condition Provisioned=False, reason ProvisionFailed: port 0 is invalid", ActionNone},
		{"a local command that cannot start", Input{HasLastReady: true, Changed: map[string]bool{"api": true}, Services: []Service{svc("api",
			reason("CrashLoop", "failed to start: fork/exec /nope: no such file or directory; restarted 3 times"))}},
			[]string{"StartFailed/api/api"}, "CrashLoop: failed to start: fork/exec /nope: no such file or directory; restarted 3 times", ActionRollback},
		{"a container that cannot run", Input{Runtime: RuntimeKubernetes, Services: []Service{svc("api", reason("RunContainerError", `exec: "nope": executable file not found in $PATH`),
			exit(128, "", "StartError"))}},
			[]string{"StartFailed/api/api"}, "last exit: code 128, reason StartError", ActionNone},
		{"provision failed, the blueprint changed since Ready: roll it back", Input{HasLastReady: true, Changed: map[string]bool{"api": true, "db": false},
			Conditions: []Condition{{Type: "Provisioned", Status: "False", Reason: "SecretNotFound", Message: `service api: variable K: secret "s" not found`}}},
			[]string{"ProvisionFailed//"}, `condition Provisioned=False, reason SecretNotFound: service api: variable K: secret "s" not found`, ActionRollback},
		{"provision failed, nothing changed since Ready: no rollback", Input{HasLastReady: true, Changed: map[string]bool{"api": false},
			Conditions: []Condition{{Type: "Provisioned", Status: "False", Reason: "SecretNotFound", Message: `service api: variable K: secret "s" not found`}}},
			[]string{"ProvisionFailed//"}, `condition Provisioned=False, reason SecretNotFound: service api: variable K: secret "s" not found`, ActionNone},
		{"unhealthy otherwise", Input{Services: []Service{svc("api", reason("NoCommand", "the service has no command"))}},
			[]string{"Unhealthy/api/api"}, "NoCommand: the service has no command", ActionNone},
		{"a stopped dependency", Input{Services: []Service{svc("db", func(s *Service) { s.Health = runtime.HealthStopped }),
			svc("api", deps("db"), func(s *Service) { s.Health = runtime.HealthWaiting })}},
			[]string{"Stopped/db/db", "DependencyNotReady/api/db"}, "health: Stopped", ActionResume},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Run(tc.in)
			var names []string
			for _, f := range got {
				names = append(names, f.Analyzer+"/"+f.Service+"/"+f.Root)
			}
			if strings.Join(names, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("findings %v, want %v\n%+v", names, tc.want, got)
			}
			if len(got) == 0 {
				return
			}
			f := got[0]
			if !contains(f.Evidence, tc.evidence) {
				t.Errorf("evidence %q lacks %q", f.Evidence, tc.evidence)
			}
			if f.Remediation.Action != tc.action {
				t.Errorf("remediation %+v, want %s", f.Remediation, tc.action)
			}
			if f.Cause == "" || f.Severity == "" {
				t.Errorf("no cause or severity: %+v", f)
			}
		})
	}
}

func TestRoots(t *testing.T) {
	fs := []Finding{{Service: "db", Root: "db"}, {Service: "api", Root: "db"}, {Service: "web", Root: "web"}}
	if got := strings.Join(Roots(fs), ","); got != "db,web" {
		t.Fatalf("roots %s", got)
	}
}

func TestEvidenceBounded(t *testing.T) {
	var l []string
	for range 50 {
		l = append(l, "dial tcp: connection refused")
	}
	got := Run(Input{Services: []Service{svc("db"), svc("api", deps("db"), logs(l...))}})
	for _, f := range got {
		if len(f.Evidence) > maxEvidence+1 {
			t.Errorf("%s: %d evidence lines", f.Analyzer, len(f.Evidence))
		}
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}
