package kubernetes

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestNamespaceName(t *testing.T) {
	if got := NamespaceName("acme", "dev"); got != "stax-acme-dev" {
		t.Errorf("short name: got %q", got)
	}
	long := strings.Repeat("e", 60)
	dotted := "feature.x"
	for _, tc := range []struct{ org, env string }{{"acme", long}, {"acme", long + "2"}, {"acme", dotted}, {"acme", "feature-x"}} {
		got := NamespaceName(tc.org, tc.env)
		if msgs := validation.IsDNS1123Label(got); len(msgs) > 0 {
			t.Errorf("%s/%s: %q is not a DNS label: %v", tc.org, tc.env, got, msgs)
		}
		if got != NamespaceName(tc.org, tc.env) {
			t.Errorf("%s/%s: not deterministic", tc.org, tc.env)
		}
	}
	if NamespaceName("acme", long) == NamespaceName("acme", long+"2") {
		t.Error("two long names that differ after the cut share a namespace")
	}
	// "feature.x" must not take the namespace of "feature-x".
	if NamespaceName("acme", dotted) == NamespaceName("acme", "feature-x") {
		t.Error("a dotted name collides with its dashed form")
	}
}

func TestLabelValueFits(t *testing.T) {
	v := labelValue(strings.Repeat("a.", 100))
	if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
		t.Errorf("%q: %v", v, msgs)
	}
}
