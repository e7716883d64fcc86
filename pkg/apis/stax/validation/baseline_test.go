package validation

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

func TestValidateBaseline(t *testing.T) {
	valid := func() *stax.Baseline {
		return &stax.Baseline{ObjectMeta: metav1.ObjectMeta{Name: "main", Namespace: "acme"},
			Spec: stax.BaselineSpec{EnvironmentRef: stax.EnvironmentReference{Name: "shop"}}}
	}
	if errs := ValidateBaseline(valid()); len(errs) != 0 {
		t.Fatalf("valid baseline refused: %v", errs)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*stax.Baseline)
		path   string
		typ    field.ErrorType
	}{
		{"no environment", func(b *stax.Baseline) { b.Spec.EnvironmentRef.Name = "" }, "spec.environmentRef.name", field.ErrorTypeRequired},
		{"bad environment name", func(b *stax.Baseline) { b.Spec.EnvironmentRef.Name = "Not_Valid" }, "spec.environmentRef.name", field.ErrorTypeInvalid},
		{"bad name", func(b *stax.Baseline) { b.Name = "Main!" }, "metadata.name", field.ErrorTypeInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := valid()
			tc.mutate(b)
			if errs := ValidateBaseline(b); !hasError(errs, tc.path, tc.typ, "") {
				t.Fatalf("want %s on %s, got %v", tc.typ, tc.path, errs)
			}
		})
	}

	old := valid()
	old.ResourceVersion = "1"
	moved := old.DeepCopy()
	moved.Spec.EnvironmentRef.Name = "other"
	if errs := ValidateBaselineUpdate(moved, old); !hasError(errs, "spec", field.ErrorTypeInvalid, "immutable") {
		t.Fatalf("changing spec.environmentRef: want immutable, got %v", errs)
	}
	relabelled := old.DeepCopy()
	relabelled.Labels = map[string]string{"team": "a"}
	if errs := ValidateBaselineUpdate(relabelled, old); len(errs) != 0 {
		t.Fatalf("relabelling refused: %v", errs)
	}
	negative := old.DeepCopy()
	negative.Status.Overlays = -1
	if errs := ValidateBaselineStatusUpdate(negative, old); !hasError(errs, "status.overlays", field.ErrorTypeInvalid, "") {
		t.Fatalf("negative overlays: %v", errs)
	}
}
