package integration

import (
	"context"
	"strings"
	"testing"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// TestDiagnoseRollsAnOverlayBackToItsBaseline: an overlay changes api of
// a Ready baseline into a process that panics. The overlay was never
// Ready, so no Ready blueprint of its own is known: the remedy diagnose
// finds is the baseline's version of api. A dry run changes nothing; the
// remediation puts the baseline's spec back and the overlay becomes Ready.
func TestDiagnoseRollsAnOverlayBackToItsBaseline(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)
	main := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "main-env", Namespace: ns},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{demo(t, "api", 1, nil)}}}}
	if _, err := envs.Create(ctx, main, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "main-env", "Ready", phaseIs(staxv1.EnvironmentReady))
	b, err := s.Client.StaxV1alpha1().Baselines(ns).Create(ctx, newBaseline("main", "main-env"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	baseAPI := b.Status.Blueprint.Services[0]

	broken := faultySpec(t, "api", false, nil, "panic")
	overlay, err := s.Client.StaxV1alpha1().Baselines(ns).CreateOverlay(ctx, "main",
		overlayRequest("feature", staxv1.ServiceChange{Name: "api", Command: broken.Command, Args: broken.Args}), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	d, f := findingOf(t, s, "feature", "StackTrace", "api")
	if f.RootCause != "api" || f.Remediation.Action != "RollbackToBaseline" || !strings.Contains(f.Remediation.Description, "baseline's version") {
		t.Fatalf("finding %+v: want a rollback to the baseline's version", f)
	}
	if len(d.Status.RootCauses) != 1 || d.Status.RootCauses[0] != "api" {
		t.Fatalf("root causes %v", d.Status.RootCauses)
	}

	dry, err := diagnoseEnv(t, s, "feature", staxv1.DiagnosisSpec{Remediate: true, DryRun: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Status.Remediations) != 1 || dry.Status.Remediations[0].Result != "WouldApply" ||
		dry.Status.Remediations[0].Action != "RollbackToBaseline" {
		t.Fatalf("dry run remediations %+v", dry.Status.Remediations)
	}
	if after, err := envs.Get(ctx, "feature", metav1.GetOptions{}); err != nil || after.Generation != overlay.Generation || len(after.Status.Remediations) != 0 {
		t.Fatalf("a dry run changed the overlay: %v, generation %d→%d, history %+v", err, overlay.Generation, after.Generation, after.Status.Remediations)
	}

	fixed, err := diagnoseEnv(t, s, "feature", staxv1.DiagnosisSpec{Remediate: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed.Status.Remediations) != 1 || fixed.Status.Remediations[0].Result != "Applied" ||
		fixed.Status.Remediations[0].Message != "rolled api back to its version in baseline main" {
		t.Fatalf("remediations %+v", fixed.Status.Remediations)
	}
	back := waitFor(t, s, "feature", "Ready after the rollback", phaseIs(staxv1.EnvironmentReady))
	if !apiequality.Semantic.DeepEqual(back.Spec.Blueprint.Services[0], baseAPI) || back.Spec.BaselineRef == nil {
		t.Fatalf("the overlay's api is not the baseline's:\n%+v\n%+v", back.Spec.Blueprint.Services[0], baseAPI)
	}
	if len(back.Status.Remediations) != 1 || back.Status.Remediations[0].Action != "RollbackToBaseline" {
		t.Fatalf("history %+v", back.Status.Remediations)
	}
	if d, err := diagnoseEnv(t, s, "feature", staxv1.DiagnosisSpec{}, false); err != nil || len(d.Status.Findings) != 0 {
		t.Fatalf("after the rollback: %v %+v", err, d.Status.Findings)
	}
}
