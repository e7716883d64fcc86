package validation

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/apis/stax"
)

func TestValidateDiagnosis(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    stax.Diagnosis
		want string // the field of the one error, or ""
	}{
		{"empty", stax.Diagnosis{}, ""},
		{"remediate dry run", stax.Diagnosis{Spec: stax.DiagnosisSpec{Remediate: true, DryRun: true}}, ""},
		{"its own name", stax.Diagnosis{ObjectMeta: metav1.ObjectMeta{Name: "e"}}, ""},
		{"another name", stax.Diagnosis{ObjectMeta: metav1.ObjectMeta{Name: "f"}}, "metadata.name"},
		{"dry run alone", stax.Diagnosis{Spec: stax.DiagnosisSpec{DryRun: true}}, "spec.dryRun"},
		{"no lines", stax.Diagnosis{Spec: stax.DiagnosisSpec{TailLines: int64p(0)}}, "spec.tailLines"},
		{"too many lines", stax.Diagnosis{Spec: stax.DiagnosisSpec{TailLines: int64p(5001)}}, "spec.tailLines"},
	} {
		errs := ValidateDiagnosis(&tc.d, "e")
		switch {
		case tc.want == "" && len(errs) > 0:
			t.Errorf("%s: %v", tc.name, errs)
		case tc.want != "" && (len(errs) != 1 || errs[0].Field != tc.want):
			t.Errorf("%s: %v, want one error on %s", tc.name, errs, tc.want)
		}
	}
}
