package baseline_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/baseline"
	"github.com/microstax/stax/pkg/registry/stax/environment"
	envruntime "github.com/microstax/stax/pkg/runtime"
)

// observed is the runtime a diagnosis reads: the test sets the state of
// each environment's services and records the restarts asked of it. With
// kubernetes it lists events, so diagnose reads it as the kubernetes
// runtime.
type observed struct {
	mu       sync.Mutex
	states   map[string][]envruntime.ServiceState
	restarts []string
}

func (o *observed) set(env string, s ...envruntime.ServiceState) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.states[env] = s
}

func (o *observed) Status(_ context.Context, _, env string) (envruntime.EnvironmentState, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, ok := o.states[env]
	if !ok {
		return envruntime.EnvironmentState{}, envruntime.ErrNotFound
	}
	return envruntime.EnvironmentState{Services: s}, nil
}

func (o *observed) Logs(context.Context, string, string, envruntime.LogOptions) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("")), nil
}

func (o *observed) SecretValues(context.Context, string, string) ([]string, error) { return nil, nil }

func (o *observed) Restart(_ context.Context, _, env, service string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.restarts = append(o.restarts, env+"/"+service)
	return nil
}

type kubernetes struct{ *observed }

func (kubernetes) Events(context.Context, string, string) ([]envruntime.Event, error) {
	return nil, nil
}

func storesOn(t *testing.T, source environment.LogSource) stores {
	t.Helper()
	opts := registrytest.RESTOptions(t)
	envs, err := environment.NewStorage(registrytest.Scheme, opts, source, nil, validation.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(envs.Environment.Store.DestroyFunc)
	baselines, err := baseline.NewStorage(registrytest.Scheme, opts, envs.Environment)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(baselines.Baseline.Store.DestroyFunc)
	envs.Environment.SetBaselines(baselines.Baseline)
	return stores{envs, baselines}
}

// readyAt writes the environment's status Ready at its generation, with
// lastReady when given.
func (s stores) readyAt(t *testing.T, name string, lastReady *stax.ReadyBlueprint) *stax.Environment {
	t.Helper()
	env := s.get(t, name)
	env.Status.Phase, env.Status.ObservedGeneration, env.Status.LastReady = stax.EnvironmentReady, env.Generation, lastReady
	obj, _, err := s.envs.Status.Update(ctx, name, rest.DefaultUpdatedObjectInfo(env), nil, nil, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*stax.Environment)
}

func (s stores) get(t *testing.T, name string) *stax.Environment {
	t.Helper()
	obj, err := s.envs.Environment.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*stax.Environment)
}

// remedies diagnoses and remediates the environment.
func (s stores) remedies(t *testing.T, name string, dryRun bool) []stax.RemediationRecord {
	t.Helper()
	obj, err := s.envs.Diagnose.Create(ctx, name, &stax.Diagnosis{Spec: stax.DiagnosisSpec{Remediate: true, DryRun: dryRun}}, nil, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*stax.Diagnosis).Status.Remediations
}

// heldShop is shop Ready at generation 2 (web:2, 64Mi) after generation 1
// (web:1) was, promoted to baseline shop-stable.
func heldShop(t *testing.T, s stores, name string) *stax.Environment {
	t.Helper()
	gen1 := s.environmentIn(t, name, stax.EnvironmentReady, "")
	last := &stax.ReadyBlueprint{Generation: gen1.Generation, Blueprint: *gen1.Spec.Blueprint.DeepCopy()}
	if err := s.updateEnv(gen1, func(e *stax.Environment) {
		e.Spec.Blueprint.Services[0].Image = "web:2"
		e.Spec.Blueprint.Services[0].Resources.Limits = stax.ResourceList{"memory": intstr.FromString("64Mi")}
	}); err != nil {
		t.Fatal(err)
	}
	env := s.readyAt(t, name, last)
	if _, err := s.promote(name+"-stable", name); err != nil {
		t.Fatal(err)
	}
	return env
}

func unhealthy(reason string) envruntime.ServiceState {
	return envruntime.ServiceState{Name: "web", Desired: 1, Health: envruntime.HealthUnhealthy, Reason: reason, Message: "from the test"}
}

// TestDiagnoseRemediatesAHeldEnvironment: a Baseline holds its
// environment's blueprint, so every remediation that would change it
// (Rollback, RollbackToBaseline, RaiseMemoryLimit) is Refused naming the
// Baseline, in a dry run too, and the spec stays; Restart and Resume,
// which leave it alone, are applied. A Baseline being deleted holds
// nothing: the rollback is applied.
func TestDiagnoseRemediatesAHeldEnvironment(t *testing.T) {
	src := &observed{states: map[string][]envruntime.ServiceState{}}
	s := storesOn(t, src)
	kube := storesOn(t, kubernetes{src})

	check := func(t *testing.T, s stores, env *stax.Environment, action string, result string, says string) {
		t.Helper()
		for _, dry := range []bool{true, false} {
			want := result
			if dry && result == stax.RemediationApplied {
				want = stax.RemediationWouldApply
			}
			got := s.remedies(t, env.Name, dry)
			if len(got) != 1 || got[0].Action != action || got[0].Result != want || !strings.Contains(got[0].Message, says) {
				t.Fatalf("dry run %v: remediations %+v, want one %s %s saying %q", dry, got, action, want, says)
			}
		}
		if after := s.get(t, env.Name); result == stax.RemediationRefused && (after.Generation != env.Generation || after.Spec.Blueprint.Services[0].Image != env.Spec.Blueprint.Services[0].Image) {
			t.Fatalf("a refused %s changed the spec: generation %d→%d, %+v", action, env.Generation, after.Generation, after.Spec.Blueprint.Services[0])
		}
	}

	t.Run("Rollback", func(t *testing.T) {
		env := heldShop(t, s, "rollback")
		src.set(env.Name, unhealthy("NoCommand")) // Unhealthy: its remedy a rollback
		check(t, s, env, "Rollback", stax.RemediationRefused, "baseline rollback-stable holds the environment's blueprint")
	})

	t.Run("RollbackToBaseline", func(t *testing.T) {
		heldShop(t, s, "main")
		overlay := s.environmentIn(t, "feat", stax.EnvironmentReady, "main-stable") // web:1, its baseline's web:2
		if _, err := s.promote("feat-stable", "feat"); err != nil {
			t.Fatal(err)
		}
		src.set(overlay.Name, unhealthy("NoCommand"))
		check(t, s, overlay, "RollbackToBaseline", stax.RemediationRefused, "baseline feat-stable holds the environment's blueprint")
	})

	t.Run("RaiseMemoryLimit", func(t *testing.T) {
		env := heldShop(t, kube, "oom")
		oom := unhealthy("CrashLoopBackOff")
		oom.LastTermination = &envruntime.Termination{ExitCode: 137, Reason: "OOMKilled"}
		src.set(env.Name, oom)
		check(t, kube, env, "RaiseMemoryLimit", stax.RemediationRefused, "held by baseline oom-stable")
	})

	t.Run("Restart", func(t *testing.T) {
		env := heldShop(t, s, "probe")
		src.set(env.Name, unhealthy("ProbeFailed"))
		check(t, s, env, "Restart", stax.RemediationApplied, "restart")
		if !slices.Equal(src.restarts, []string{"probe/web"}) {
			t.Fatalf("restarts %v, want one of probe/web (none in the dry run)", src.restarts)
		}
	})

	t.Run("Resume", func(t *testing.T) {
		env := heldShop(t, s, "paused")
		if err := s.updateEnv(env, func(e *stax.Environment) { e.Spec.Paused = true }); err != nil {
			t.Fatal(err)
		}
		check(t, s, s.get(t, env.Name), "Resume", stax.RemediationApplied, "resumed the environment")
		if s.get(t, env.Name).Spec.Paused {
			t.Fatal("still paused")
		}
	})

	t.Run("a Baseline being deleted holds nothing", func(t *testing.T) {
		env := heldShop(t, s, "released")
		if _, _, err := s.baselines.Baseline.Delete(ctx, "released-stable", nil, &metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		obj, err := s.baselines.Baseline.Get(ctx, "released-stable", &metav1.GetOptions{})
		if err != nil || obj.(*stax.Baseline).DeletionTimestamp == nil {
			t.Fatalf("the Baseline is not being deleted (its finalizer keeps it): %v %+v", err, obj)
		}
		src.set(env.Name, unhealthy("NoCommand"))
		check(t, s, env, "Rollback", stax.RemediationApplied, "rolled web back to generation 1")
		if got := s.get(t, env.Name).Spec.Blueprint.Services[0].Image; got != "web:1" {
			t.Fatalf("image %s after the rollback, want web:1", got)
		}
	})
}
