package yamlbudget

import (
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

// FuzzCheck: Check never panics or hangs, and what it passes expands, as
// the servers' decoder writes it out, to no more than the budget allows.
func FuzzCheck(f *testing.F) {
	for _, seed := range []string{
		"a: b\n", `{"a":[1,2]}`, "a: &x [1]\nb: *x\n", "a: &x [*x]\n", "<<: *y\n",
		laughs(3), wide(100, 20), "---\na: 1\n---\nb: &z 2\nc: *z\n", "? &k a\n: *k\n",
	} {
		f.Add([]byte(seed))
	}
	const limit = 64 << 10
	f.Fuzz(func(t *testing.T, data []byte) {
		if Check(data, limit) != nil {
			return
		}
		// The size counted is an estimate: JSON adds quotes and commas to
		// each scalar, so allow a few bytes a node over what Check counts.
		json, err := sigsyaml.YAMLToJSON(data)
		if err == nil && int64(len(json)) > 8*limit+8*int64(len(data)) {
			t.Fatalf("passed %d bytes that expand to %d", len(data), len(json))
		}
	})
}
