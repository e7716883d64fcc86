package front

import (
	"os"
	"path/filepath"
	"strings"
)

// LoadRoutesDir fills t from a directory with one file per routing key
// whose content is the address (host:port) of that overlay's service, as a
// mounted ConfigMap has (its dot files are the kubelet's and skipped).
// Keys no longer in the directory are removed. It reports the keys routed.
func LoadRoutesDir(t *Table, dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	want := map[string]string{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if addr := strings.TrimSpace(string(b)); addr != "" {
			want[e.Name()] = addr
		}
	}
	for _, k := range t.Keys() {
		if _, ok := want[k]; !ok {
			t.Remove(k)
		}
	}
	keys := make([]string, 0, len(want))
	for k, addr := range want {
		t.Set(k, func() []string { return []string{addr} })
		keys = append(keys, k)
	}
	return keys, nil
}
