package integration

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// changeEnv applies change to the stored environment, reading it again on
// a conflict (status writes and activity change it meanwhile).
func changeEnv(t testing.TB, s *testServer, name string, change func(*staxv1.Environment)) *staxv1.Environment {
	t.Helper()
	envs := s.Client.StaxV1alpha1().Environments(ns)
	for attempt := 0; ; attempt++ {
		cur, err := envs.Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		change(cur)
		updated, err := envs.Update(context.Background(), cur, metav1.UpdateOptions{})
		if err == nil {
			return updated
		}
		if !apierrors.IsConflict(err) || attempt == 10 {
			t.Fatal(err)
		}
	}
}

// TestDiagnoseProbeAndProvisionFailures provokes, on the local runtime,
// the failures TestDiagnoseOnLocalRuntime does not: a health check that
// fails while the process runs, a blueprint the controller cannot
// provision, a command that cannot start, a process that exits saying
// nothing an analyzer knows, a service the local runtime cannot run, a
// dependent waiting for a failing dependency, and a stopped environment.
// Each starts Ready, yields its findings (root and symptoms) with their
// evidence; dry runs change nothing; the root's remediation brings the
// environment back to Ready with no finding left.
func TestDiagnoseProbeAndProvisionFailures(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)

	unready := faultySpec(t, "api", false, nil, "unready-once")
	unready.Ports = []staxv1.ServicePort{{Name: "http", Port: 8080}}
	unready.Health = &staxv1.HealthCheck{HTTP: &staxv1.HTTPHealthCheck{Path: "/healthz", Port: intstr.FromString("http")}, PeriodSeconds: 1, FailureThreshold: 2}

	type want struct{ analyzer, service, root, evidence string }
	for _, tc := range []struct {
		name     string
		services []staxv1.ServiceSpec
		// breaks changes the Ready environment.
		breaks func(*staxv1.Environment)
		// findings: the root cause's first, with the evidence it holds.
		findings []want
		action   string
		// rolledBack says the remedy put the Ready blueprint back.
		rolledBack bool
	}{
		{"probe-failed", []staxv1.ServiceSpec{demo(t, "api", 1, nil)},
			func(e *staxv1.Environment) { e.Spec.Blueprint.Services[0] = unready },
			[]want{{"ProbeFailed", "api", "api", "ProbeFailed: probe failed"}}, "Restart", false},
		{"provision-failed", []staxv1.ServiceSpec{demo(t, "api", 1, nil)},
			func(e *staxv1.Environment) {
				e.Spec.Blueprint.Services[0].Env = append(e.Spec.Blueprint.Services[0].Env, staxv1.EnvVar{Name: "API_KEY",
					ValueFrom: &staxv1.EnvVarSource{SecretRef: &staxv1.SecretKeyReference{Name: "never-created", Key: "key"}}})
			},
			[]want{{"ProvisionFailed", "", "", `reason SecretNotFound: service api: variable API_KEY: secret "never-created" not found`}}, "Rollback", true},
		{"command-cannot-start", []staxv1.ServiceSpec{demo(t, "api", 1, nil)},
			func(e *staxv1.Environment) { e.Spec.Blueprint.Services[0].Command = []string{"/nonexistent/stax-api"} },
			[]want{{"StartFailed", "api", "api", "failed to start: fork/exec /nonexistent/stax-api: no such file or directory"}}, "Rollback", true},
		{"crash-loop", []staxv1.ServiceSpec{demo(t, "api", 1, nil)},
			func(e *staxv1.Environment) {
				e.Spec.Blueprint.Services[0] = faultySpec(t, "api", false, nil, "exit", "3")
			},
			[]want{{"CrashLoop", "api", "api", "CrashLoop: exited with code 3"}}, "Rollback", true},
		{"unhealthy", []staxv1.ServiceSpec{demo(t, "api", 1, nil)},
			func(e *staxv1.Environment) {
				e.Spec.Blueprint.Services[0].Command, e.Spec.Blueprint.Services[0].Args = nil, nil
				e.Spec.Blueprint.Services[0].Image = "registry.example/api:1"
			},
			[]want{{"Unhealthy", "api", "api", "NoCommand: the service has no command"}}, "Rollback", true},
		{"dependency-not-ready", []staxv1.ServiceSpec{demo(t, "db", 1, nil), demo(t, "web", 1, []string{"db"})},
			func(e *staxv1.Environment) {
				e.Spec.Blueprint.Services[0] = faultySpec(t, "db", false, nil, "exit", "3")
				// A new web waits for the new db.
				e.Spec.Blueprint.Services[1].Env = append(e.Spec.Blueprint.Services[1].Env, staxv1.EnvVar{Name: "FEATURE", Value: "on"})
			},
			[]want{{"CrashLoop", "db", "db", "exited with code 3"}, {"DependencyNotReady", "web", "db", "db: health Unhealthy CrashLoop"}}, "Rollback", false},
		{"stopped", []staxv1.ServiceSpec{demo(t, "api", 1, nil)},
			func(e *staxv1.Environment) { e.Spec.Paused = true },
			[]want{{"Stopped", "", "", "phase: "}}, "Resume", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: tc.name, Namespace: ns},
				Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: tc.services}}}
			if _, err := envs.Create(ctx, env, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			ready := waitFor(t, s, tc.name, "Ready", phaseIs(staxv1.EnvironmentReady))
			broken := changeEnv(t, s, tc.name, tc.breaks)

			root := tc.findings[0]
			d, f := findingOf(t, s, tc.name, root.analyzer, root.service)
			if f.RootCause != root.root || f.Symptom || !hasLine(f.Evidence, root.evidence) || f.Remediation.Action != tc.action {
				t.Fatalf("finding %+v: want root %q, evidence %q, remedy %s", f, root.root, root.evidence, tc.action)
			}
			for _, w := range tc.findings[1:] {
				if _, g := findingOf(t, s, tc.name, w.analyzer, w.service); g.RootCause != w.root || !g.Symptom || !hasLine(g.Evidence, w.evidence) {
					t.Fatalf("finding %+v: want a symptom of %s with evidence %q", g, w.root, w.evidence)
				}
			}
			if root.root != "" && (len(d.Status.RootCauses) != 1 || d.Status.RootCauses[0] != root.root) {
				t.Fatalf("root causes %v, want %s", d.Status.RootCauses, root.root)
			}

			for _, all := range []bool{false, true} {
				dry, err := diagnoseEnv(t, s, tc.name, staxv1.DiagnosisSpec{Remediate: true, DryRun: !all}, all)
				if err != nil {
					t.Fatal(err)
				}
				if len(dry.Status.Remediations) != 1 || dry.Status.Remediations[0].Result != "WouldApply" || dry.Status.Remediations[0].Action != tc.action {
					t.Fatalf("dry run remediations %+v", dry.Status.Remediations)
				}
			}
			after, err := envs.Get(ctx, tc.name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if after.Generation != broken.Generation || len(after.Status.Remediations) != 0 {
				t.Fatalf("a dry run changed the environment: generation %d→%d, history %+v", broken.Generation, after.Generation, after.Status.Remediations)
			}
			// Still broken: a dry run of a restart restarted nothing.
			findingOf(t, s, tc.name, root.analyzer, root.service)

			fixed, err := diagnoseEnv(t, s, tc.name, staxv1.DiagnosisSpec{Remediate: true}, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(fixed.Status.Remediations) != 1 || fixed.Status.Remediations[0].Result != "Applied" || fixed.Status.Remediations[0].Action != tc.action ||
				fixed.Status.Remediations[0].Service != root.root || fixed.Status.Remediations[0].Analyzer != root.analyzer {
				t.Fatalf("remediations %+v", fixed.Status.Remediations)
			}
			back := waitFor(t, s, tc.name, "Ready again", phaseIs(staxv1.EnvironmentReady))
			if len(back.Status.Remediations) != 1 || back.Status.Remediations[0].Action != tc.action {
				t.Fatalf("history %+v", back.Status.Remediations)
			}
			if tc.rolledBack && (len(back.Spec.Blueprint.Services[0].Env) != len(ready.Spec.Blueprint.Services[0].Env) ||
				back.Spec.Blueprint.Services[0].Command[0] != demoService(t)) {
				t.Fatalf("not the Ready blueprint: %+v", back.Spec.Blueprint.Services[0])
			}
			if d, err := diagnoseEnv(t, s, tc.name, staxv1.DiagnosisSpec{}, false); err != nil || len(d.Status.Findings) != 0 {
				t.Fatalf("Ready again, yet: %v %+v", err, d.Status.Findings)
			}
			if back.Spec.Paused {
				t.Fatal("Ready, yet still paused")
			}
		})
	}
}
