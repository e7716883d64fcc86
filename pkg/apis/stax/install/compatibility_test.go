package install

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/roundtrip"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// TestCompatibility holds the wire formats to what earlier binaries wrote, as
// Kubernetes' k8s.io/api does with its testdata. testdata/HEAD holds every
// v1alpha1 kind filled field by field, in JSON, YAML and protobuf; it must
// match what this code writes, so a change to an encoding shows up as a diff
// to review (UPDATE_COMPATIBILITY_FIXTURE_DATA=true rewrites it). Each
// testdata/v* directory is a frozen copy of HEAD: it must still decode to the
// same object and re-encode to the same bytes, so a renumbered protobuf
// field, a reused number or a renamed JSON key that would misread data
// already in etcd fails here. v1alpha1-c0f9393 is what every binary since
// c0f9393 (protobuf's arrival) writes, checked by running this test on that
// commit. Freeze a new directory (copy HEAD) when a release ships; never
// rewrite a frozen one (an .after_roundtrip file there is a deliberate,
// reviewed change of what old data reads as).
func TestCompatibility(t *testing.T) {
	scheme := runtime.NewScheme()
	Install(scheme)
	opts := roundtrip.NewCompatibilityTestOptions(scheme)
	// The filler sets both halves of an IntOrString held as a map value, which
	// no encoding keeps; fill a ResourceList's value as a string, as it does
	// for an IntOrString field.
	opts.FillFuncs = map[reflect.Type]roundtrip.FillFunc{
		reflect.TypeOf(&v1alpha1.ResourceList{}): func(s string, _ int, obj interface{}) {
			*obj.(*v1alpha1.ResourceList) = v1alpha1.ResourceList{s + "Key": intstr.FromString(s + "Value")}
		},
	}
	// Our own kinds: the group's copies of metav1's options and WatchEvent
	// are apimachinery's to hold.
	ours := reflect.TypeOf(v1alpha1.Environment{}).PkgPath()
	for gvk, typ := range scheme.AllKnownTypes() {
		if gvk.GroupVersion() == v1alpha1.SchemeGroupVersion && typ.PkgPath() == ours && !strings.HasSuffix(gvk.Kind, "List") {
			opts.Kinds = append(opts.Kinds, gvk)
		}
	}
	opts.Complete(t).Run(t)
}
