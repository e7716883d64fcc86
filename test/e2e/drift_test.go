package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/controller/drift"
	"github.com/microstax/stax/pkg/runtime"
	kuberuntime "github.com/microstax/stax/pkg/runtime/kubernetes"
)

// TestDriftOnKubernetes: stax-apiserver runs environments on a cluster
// (kube-apiserver, kube-controller-manager, kwok nodes). Under detect,
// `kubectl scale` and `kubectl set image` on a Deployment by hand are
// reported (Drifted condition, history, Events) and left alone; under
// remediate they are undone within the grace period plus one check, and
// so is a deleted Deployment.
func TestDriftOnKubernetes(t *testing.T) {
	c := startWorkloadCluster(t)
	stax := startStandaloneOnCluster(t, c.AdminKubeconfig)
	ctx := context.Background()
	orgs := stax.StaxV1alpha1().Organizations()
	if _, err := orgs.Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "acme"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	setPolicy := func(body string) {
		t.Helper()
		if _, err := orgs.Patch(ctx, "acme", types.MergePatchType, []byte(body), metav1.PatchOptions{}, "driftpolicy"); err != nil {
			t.Fatal(err)
		}
	}
	setPolicy(`{"spec":{"driftPolicy":{"mode":"detect"}}}`)
	envs := stax.StaxV1alpha1().Environments("acme")
	if _, err := envs.Create(ctx, shopOfImages(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ns := kuberuntime.NamespaceName("acme", "shop")
	waitEnv := func(what string, cond func(*staxv1.Environment) bool) *staxv1.Environment {
		t.Helper()
		var last *staxv1.Environment
		err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			e, err := envs.Get(ctx, "shop", metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			last = e
			return cond(e), nil
		})
		if err != nil {
			t.Fatalf("waiting for %s: %v; last status %+v", what, err, last.Status)
		}
		return last
	}
	openRecord := func(e *staxv1.Environment, service, field string) *staxv1.DriftRecord {
		if e.Status.Drift == nil {
			return nil
		}
		for i, r := range e.Status.Drift.History {
			if r.ResolvedAt == nil && r.Service == service && r.Field == field {
				return &e.Status.Drift.History[i]
			}
		}
		return nil
	}
	drifted := func(e *staxv1.Environment) *metav1.Condition {
		return meta.FindStatusCondition(e.Status.Conditions, staxv1.ConditionDrifted)
	}
	kubectlBin := kubectlPath(t)
	kubectl := func(args ...string) {
		t.Helper()
		out, err := exec.Command(kubectlBin, append([]string{"--kubeconfig", c.AdminKubeconfig, "-n", ns}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %v: %v: %s", args, err, out)
		}
	}
	deployment := func(name string) (int32, string) {
		t.Helper()
		d, err := c.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image
	}
	waitEnv("Ready and in sync", func(e *staxv1.Environment) bool {
		c := drifted(e)
		return e.Status.Phase == staxv1.EnvironmentReady && c != nil && c.Status == metav1.ConditionFalse
	})

	// detect: reported, left alone.
	kubectl("scale", "deployment/api", "--replicas=5")
	kubectl("set", "image", "deployment/api", "api=ghcr.io/acme/api:2")
	e := waitEnv("replicas and image drift reported", func(e *staxv1.Environment) bool {
		return openRecord(e, "api", runtime.DriftReplicas) != nil && openRecord(e, "api", runtime.DriftImage) != nil
	})
	if r := openRecord(e, "api", runtime.DriftReplicas); r.Expected != "2" || r.Actual != "5" {
		t.Errorf("replicas drift: %+v", r)
	}
	if r := openRecord(e, "api", runtime.DriftImage); r.Expected != "ghcr.io/acme/api:1" || r.Actual != "ghcr.io/acme/api:2" {
		t.Errorf("image drift: %+v", r)
	}
	if cond := drifted(e); cond.Status != metav1.ConditionTrue || !strings.Contains(cond.Message, "api replicas: want 2, have 5") ||
		!strings.Contains(cond.Message, "api image: want ghcr.io/acme/api:1, have ghcr.io/acme/api:2") {
		t.Errorf("Drifted condition: %+v", cond)
	}
	if n, image := deployment("api"); n != 5 || image != "ghcr.io/acme/api:2" || e.Status.Drift.Remediations != 0 {
		t.Errorf("detect changed the Deployment: %d replicas of %s, %d remediations", n, image, e.Status.Drift.Remediations)
	}
	waitEvents := func(reason string) {
		t.Helper()
		err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			list, err := c.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, nil
			}
			for _, ev := range list.Items {
				if ev.Reason == reason && ev.InvolvedObject.Kind == "Deployment" && ev.InvolvedObject.Name == "api" && ev.Source.Component == "stax-drift" {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			t.Errorf("no %s Event on deployment/api: %v", reason, err)
		}
	}
	waitEvents("Drifted")

	// remediate: the drift found under detect is past the grace already.
	const grace = 5 * time.Second
	setPolicy(`{"spec":{"driftPolicy":{"mode":"remediate","gracePeriod":"5s"}}}`)
	e = waitEnv("remediated", func(e *staxv1.Environment) bool {
		c := drifted(e)
		return e.Status.Drift.Remediations >= 1 && c.Status == metav1.ConditionFalse && c.Reason == drift.ReasonRemediated
	})
	if n, image := deployment("api"); n != 2 || image != "ghcr.io/acme/api:1" {
		t.Errorf("after remediation: %d replicas of %s", n, image)
	}
	waitEvents("DriftRemediated")

	// A change made under remediate is undone within the grace period plus
	// one check: the controller's own times say so.
	for _, change := range []struct {
		name  string
		args  []string
		field string
	}{
		{"kubectl scale", []string{"scale", "deployment/api", "--replicas=3"}, runtime.DriftReplicas},
		{"kubectl set image", []string{"set", "image", "deployment/api", "api=ghcr.io/acme/api:3"}, runtime.DriftImage},
		{"kubectl delete", []string{"delete", "deployment/db"}, runtime.DriftMissing},
	} {
		before := e.Status.Drift.Remediations
		began := time.Now()
		kubectl(change.args...)
		e = waitEnv(change.name+" undone", func(e *staxv1.Environment) bool {
			c := drifted(e)
			return e.Status.Drift.Remediations > before && c.Status == metav1.ConditionFalse
		})
		var rec *staxv1.DriftRecord
		for i := len(e.Status.Drift.History) - 1; i >= 0; i-- {
			if r := e.Status.Drift.History[i]; r.Field == change.field && r.Remediated {
				rec = &e.Status.Drift.History[i]
				break
			}
		}
		if rec == nil {
			t.Fatalf("%s: no remediated %s record in %+v", change.name, change.field, e.Status.Drift.History)
		}
		took := e.Status.Drift.LastRemediationTime.Sub(rec.DetectedAt.Time)
		t.Logf("%s: detected %s after the change, restored %s after detection", change.name,
			rec.DetectedAt.Sub(began).Round(time.Second), took)
		// Times in status are whole seconds.
		if took < grace-time.Second || took > grace+drift.DefaultInterval+time.Second {
			t.Errorf("%s: restored %s after detection; want the grace %s plus at most one check (%s)", change.name, took, grace, drift.DefaultInterval)
		}
	}
	if n, image := deployment("api"); n != 2 || image != "ghcr.io/acme/api:1" {
		t.Errorf("after remediation: %d replicas of %s", n, image)
	}
	if _, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "db", metav1.GetOptions{}); apierrors.IsNotFound(err) {
		t.Errorf("deployment/db not recreated")
	}
}
