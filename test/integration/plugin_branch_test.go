package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// setPhase writes an environment's phase for its current generation, as
// the controller would (no controller runs on a store-only server).
func setPhase(t *testing.T, s *testServer, name string, phase staxv1.EnvironmentPhase) {
	t.Helper()
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)
	var env *staxv1.Environment
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var err error
		env, err = envs.Get(ctx, name, metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("environment %s never appeared", name)
	}
	env.Status.Phase, env.Status.ObservedGeneration = phase, env.Generation
	env.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "ServiceUnhealthy",
		Message: "api: 0/1 ready", LastTransitionTime: metav1.Now(), ObservedGeneration: env.Generation}}
	if phase == staxv1.EnvironmentReady {
		env.Status.Conditions[0].Status, env.Status.Conditions[0].Reason, env.Status.Conditions[0].Message = metav1.ConditionTrue, "AllServicesReady", ""
	}
	if _, err := envs.UpdateStatus(ctx, env, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestKubectlStaxBranches runs "kubectl stax promote" and "kubectl stax
// branch" through kubectl's plugin lookup: their exit codes, messages and
// what they create.
func TestKubectlStaxBranches(t *testing.T) {
	pluginBinaries(t)
	s := startInProcess(t, storeOnly)
	kc := s.Kubeconfig
	args := func(a ...string) []string { return append(a, "-n", ns) }
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Environments(ns).Create(ctx, newEnvironment("shop", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	t.Run("usage errors exit 2", func(t *testing.T) {
		expectStax(t, kc, "", 2, []string{"promote needs --as NAME"}, args("promote", "shop")...)
		expectStax(t, kc, "", 2, []string{"takes one environment name"}, args("promote", "--as", "x")...)
		expectStax(t, kc, "", 2, []string{"branch takes a baseline and the overlay's name, got 1"}, args("branch", "main")...)
		expectStax(t, kc, "", 2, []string{"branch needs at least one change"}, args("branch", "main", "feature")...)
		expectStax(t, kc, "", 2, []string{`--set "api.command=x": only SERVICE.image and SERVICE.stub can be set`}, args("branch", "main", "f", "--set", "api.command=x")...)
		expectStax(t, kc, "", 2, []string{`--env "api=x": want SERVICE.KEY=VALUE`}, args("branch", "main", "f", "--env", "api=x")...)
		expectStax(t, kc, "", 2, []string{`--replicas "api=two": want SERVICE=N`}, args("branch", "main", "f", "--replicas", "api=two")...)
	})

	t.Run("promote", func(t *testing.T) {
		expectStax(t, kc, "", 1, []string{"cannot promote environment shop: its phase is Pending, not Ready", "kubectl stax status shop"},
			args("promote", "shop", "--as", "main")...)
		expectStax(t, kc, "", 1, []string{`environment "nope" not found in namespace "acme"`}, args("promote", "nope", "--as", "main")...)
		setPhase(t, s, "shop", staxv1.EnvironmentReady)
		expectStax(t, kc, "", 0, []string{"baseline acme/main promoted from environment shop (2 services frozen)"}, args("promote", "shop", "--as", "main")...)
		expectStax(t, kc, "", 1, []string{`baseline "main" already exists in namespace "acme"; promoting again takes a new name`},
			args("promote", "shop", "--as", "main")...)
		expectStax(t, kc, "", 1, []string{`baseline "Main_2" is invalid:`, "* metadata.name:"}, args("promote", "shop", "--as", "Main_2")...)
	})

	t.Run("branch", func(t *testing.T) {
		expectStax(t, kc, "", 0, []string{"environment acme/feature created from baseline main (its own services: api)"},
			args("branch", "main", "feature", "--set", "api.image=api:2", "--env", "api.FEATURE=on", "--env", "api.URL=http://x/?a=b", "--replicas", "api=3")...)
		env, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, "feature", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		api := env.Spec.Blueprint.Services[0]
		if env.Spec.BaselineRef.Name != "main" || len(env.Spec.Blueprint.Services) != 1 || api.Image != "api:2" || *api.Replicas != 3 ||
			len(api.Env) != 2 || api.Env[1].Value != "http://x/?a=b" || api.Command[0] != "./api" || len(api.DependsOn) != 1 {
			t.Fatalf("overlay %+v", env.Spec)
		}
		expectStax(t, kc, "", 0, []string{"environment acme/stubbed created from baseline main (its own services: api, pets)"},
			args("branch", "main", "stubbed", "--set", "api.stub=api-v2", "--set", "pets.stub=petstore")...)
		stubbed, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, "stubbed", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sa, sp := stubbed.Spec.Blueprint.Services[0], stubbed.Spec.Blueprint.Services[1]; sa.Stub == nil || sa.Stub.Name != "api-v2" || len(sa.Command) != 0 ||
			sa.Image != "" || sp.Stub == nil || sp.Stub.Name != "petstore" || len(sp.Ports) != 1 {
			t.Fatalf("stubbed overlay %+v", stubbed.Spec.Blueprint.Services)
		}
		expectStax(t, kc, "", 1, []string{`baseline "nope" not found in namespace "acme"; list them with kubectl get baselines`},
			args("branch", "nope", "x", "--set", "api.image=api:2")...)
		expectStax(t, kc, "", 1, []string{`environment "feature" already exists in namespace "acme"`},
			args("branch", "main", "feature", "--set", "api.image=api:3")...)
		expectStax(t, kc, "", 1, []string{`overlay "x" of baseline "main" is refused:`, `* spec.services[0].image: Required value: the baseline has no service "cache"`},
			args("branch", "main", "x", "--env", "cache.A=1")...)
	})

	t.Run("branch --wait", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			phase staxv1.EnvironmentPhase
			code  int
			want  string
		}{
			{"ready", staxv1.EnvironmentReady, 0, "environment ready: Ready"},
			{"degraded", staxv1.EnvironmentDegraded, 1, `environment "degraded" is Degraded`},
		} {
			done := make(chan staxResult, 1)
			go func() {
				done <- runStax(t, kc, "", args("branch", "main", tc.name, "--set", "db.image=postgres:17", "--wait", "--timeout", "1m")...)
			}()
			setPhase(t, s, tc.name, tc.phase)
			res := <-done
			if res.code != tc.code || !strings.Contains(res.stdout+res.stderr, tc.want) {
				t.Fatalf("%s: exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", tc.name, res.code, tc.code, tc.want, res.stdout, res.stderr)
			}
		}
	})

	t.Run("the overlays hold the baseline", func(t *testing.T) {
		if err := s.Client.StaxV1alpha1().Baselines(ns).Delete(ctx, "main", metav1.DeleteOptions{}); !apierrors.IsConflict(err) {
			t.Fatalf("want 409, got %v", err)
		}
	})
}
