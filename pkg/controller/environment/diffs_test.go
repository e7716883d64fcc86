package environment

import (
	"context"
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

// Tearing an overlay down deletes its EnvironmentDiff (standalone servers
// have no garbage collector), but not one of another overlay that had the
// name before.
func TestFinalizeDeletesTheOverlaysDiff(t *testing.T) {
	for _, tc := range []struct {
		name    string
		owner   string
		deleted bool
	}{
		{"its own", "0123456789ab", true},
		{"an earlier overlay's", "another-uid", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deleted := metav1.NewTime(t0)
			env := testEnvironment(func(e *staxv1.Environment) {
				e.DeletionTimestamp = &deleted
				e.Spec.BaselineRef = &staxv1.BaselineReference{Name: "main"}
				e.Status.Phase = staxv1.EnvironmentTerminating
			})
			c, client := harness(t, env, &fakeRuntime{state: &runtime.EnvironmentState{}}, &fakeActivity{})
			diff := &staxv1.EnvironmentDiff{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "acme", UID: "d1",
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "stax.microstax.ai/v1alpha1", Kind: "Environment", Name: "demo", UID: "x"}}}}
			diff.OwnerReferences[0].UID = types.UID(tc.owner)
			if _, err := client.StaxV1alpha1().EnvironmentDiffs("acme").Create(context.Background(), diff, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			client.ClearActions()
			if _, err := c.sync(context.Background(), "acme/demo"); err != nil {
				t.Fatal(err)
			}
			_, err := client.StaxV1alpha1().EnvironmentDiffs("acme").Get(context.Background(), "demo", metav1.GetOptions{})
			if gone := apierrors.IsNotFound(err); gone != tc.deleted {
				t.Fatalf("diff deleted: %v, want %v (%v)", gone, tc.deleted, err)
			}
			if w := writes(client); w[len(w)-1] != "update environments" || slices.Contains(w, "delete environmentdiffs") != tc.deleted {
				t.Fatalf("writes %v", w)
			}
		})
	}
}
