package environment_test

import (
	"slices"
	"testing"

	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/registry/registrytest"
)

func TestFieldSelectorsMatchFieldLabelConversion(t *testing.T) {
	s := newStorage(t, nil)
	registrytest.CheckFieldSelectors(t, s.Environment.Store, v1alpha1.SchemeGroupVersion.WithKind("Environment"))

	// The walk the check relies on sees the fields that are not
	// selectable too.
	paths := registrytest.FieldPaths(&v1alpha1.Environment{})
	for _, want := range []string{"metadata.name", "spec.displayName", "spec.paused", "spec.baselineRef.name", "status.phase", "metadata.creationTimestamp"} {
		if !slices.Contains(paths, want) {
			t.Errorf("field paths of Environment lack %s: %v", want, paths)
		}
	}
}
