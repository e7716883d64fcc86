package yamlbudget

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// wide is one anchor of size bytes named refs times: the flat form of alias
// amplification that the decoders' alias-ratio check lets through.
func wide(size, refs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: stax.microstax.ai/v1alpha1\nkind: Environment\nmetadata: {name: big}\nx: &a %q\nspec:\n  displayName:\n", strings.Repeat("a", size))
	for i := 0; i < refs; i++ {
		b.WriteString("  - *a\n")
	}
	return b.String()
}

// laughs is the nested form: each level names the one below ten times.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [\"lol\"]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestCheck(t *testing.T) {
	const limit = 3 << 20
	for _, tc := range []struct {
		name    string
		doc     string
		tooBig  bool
		invalid bool
	}{
		{name: "plain", doc: "a: b\nc: [1, 2, {d: e}]\n"},
		{name: "json", doc: `{"kind":"Environment","spec":{"blueprint":{"services":[]}}}`},
		{name: "empty", doc: ""},
		{name: "few aliases", doc: "base: &b {image: x, port: 80}\nweb: *b\napi: *b\n"},
		{name: "merge key", doc: "base: &b {image: x}\nweb: {<<: *b, port: 80}\n"},
		{name: "wide, as reported", doc: wide(100_000, 2_000), tooBig: true},
		{name: "wide, under the budget", doc: wide(1_000, 2_000)},
		{name: "laughs", doc: laughs(9), tooBig: true},
		{name: "laughs, deep enough to overflow", doc: laughs(40), tooBig: true},
		{name: "second document", doc: "a: 1\n---\n" + wide(100_000, 2_000), tooBig: true},
		{name: "no aliases, over the budget", doc: "a: " + strings.Repeat("x", limit+10) + "\n"},
		{name: "not yaml", doc: "a: [\n", invalid: true},
		{name: "unknown alias", doc: "a: *nowhere\n", invalid: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check([]byte(tc.doc), limit)
			var tooBig *TooLargeError
			switch {
			case tc.tooBig:
				if !errors.As(err, &tooBig) || tooBig.Limit != limit {
					t.Fatalf("got %v, want a TooLargeError", err)
				}
				if want := "YAML expands to more than 3145728 bytes (aliases)"; err.Error() != want {
					t.Errorf("message %q, want %q", err, want)
				}
			case tc.invalid:
				if err == nil || errors.As(err, &tooBig) {
					t.Fatalf("got %v, want a parse error", err)
				}
			case err != nil:
				t.Fatalf("got %v, want nil", err)
			}
		})
	}
}

// TestCheckIsCheap: the reported body is sized without expanding it.
func TestCheckIsCheap(t *testing.T) {
	doc := []byte(wide(100_000, 2_000))
	allocs := testing.AllocsPerRun(3, func() { _ = Check(doc, 3<<20) })
	if allocs > 50_000 {
		t.Errorf("%v allocations for a %d-byte body", allocs, len(doc))
	}
}

func TestIsYAML(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/yaml":                    true,
		"application/x-yaml":                  true,
		"text/yaml":                           true,
		"text/x-yaml":                         true,
		"application/apply-patch+yaml":        true,
		"Application/YAML; charset=utf-8":     true,
		"application/json":                    false,
		"application/merge-patch+json":        false,
		"application/vnd.kubernetes.protobuf": false,
		"":                                    false,
		"yaml":                                false,
	} {
		if got := IsYAML(ct); got != want {
			t.Errorf("IsYAML(%q) = %v, want %v", ct, got, want)
		}
	}
}
