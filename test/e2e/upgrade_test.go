package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// servedByRelease reads testdata/upgrade/served.json, the objects as the
// previous release served them, by "Kind namespace/name".
func servedByRelease(t *testing.T) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "upgrade", "served.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Items []map[string]any }
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	return byKindAndName(list.Items)
}

func byKindAndName(items []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, obj := range items {
		meta, _ := obj["metadata"].(map[string]any)
		out[fmt.Sprintf("%v %v/%v", obj["kind"], meta["namespace"], meta["name"])] = obj
	}
	return out
}

// missing says where want has a field that have lacks or holds otherwise:
// a newer server may add fields (new defaults), never lose or change one.
func missing(path string, have, want any) []string {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v, want an object", path, have)}
		}
		var out []string
		for k, v := range w {
			out = append(out, missing(path+"."+k, h[k], v)...)
		}
		return out
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return []string{fmt.Sprintf("%s: %v, want %v", path, have, want)}
		}
		var out []string
		for i := range w {
			out = append(out, missing(fmt.Sprintf("%s[%d]", path, i), h[i], w[i])...)
		}
		return out
	default:
		if !reflect.DeepEqual(have, want) {
			return []string{fmt.Sprintf("%s: %v, want %v", path, have, want)}
		}
		return nil
	}
}

// TestUpgradeFromPreviousRelease: the current stax-apiserver, started on a
// copy of the data directory the previous release wrote
// (hack/make-upgrade-fixture.sh; the release is in testdata/upgrade/RELEASE),
// serves every object that release served, with every field it had (same
// uid, resourceVersion, spec), and updates each of them.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	release, err := os.ReadFile(filepath.Join("testdata", "upgrade", "RELEASE"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-xzf", filepath.Join("testdata", "upgrade", "data.tar.gz"), "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("unpacking the data directory of %s: %v\n%s", release, err, out)
	}
	// The release's admin kubeconfig names its own directory: the server
	// writes a new one; until then the old one must not be read.
	if err := os.Remove(filepath.Join(dir, "admin.kubeconfig")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	want := servedByRelease(t)
	if len(want) < 7 {
		t.Fatalf("served.json holds %d objects", len(want))
	}
	client, kubeconfig := startStandaloneIn(t, dir, "--controllers=", "--runtime=none")
	var items []map[string]any
	for _, raw := range storedObjects(t, kubeconfig) {
		var obj map[string]any
		if err := json.Unmarshal([]byte(raw), &obj); err != nil {
			t.Fatal(err)
		}
		items = append(items, obj)
	}
	have := byKindAndName(items)
	for key, w := range want {
		h, ok := have[key]
		if !ok {
			t.Errorf("%s, written by %s, is not served", key, strings.TrimSpace(string(release)))
			continue
		}
		for _, m := range missing(key, h, w) {
			t.Error(m)
		}
	}

	// Each can be written again by the new server: a label on every one.
	ctx := context.Background()
	rest := client.StaxV1alpha1().RESTClient()
	patch := []byte(`{"metadata":{"labels":{"upgraded":"true"}}}`)
	for key, obj := range want {
		meta := obj["metadata"].(map[string]any)
		kind := obj["kind"].(string)
		req := rest.Patch(types.MergePatchType).Resource(strings.ToLower(kind) + "s").Name(meta["name"].(string)).Body(patch)
		if ns, ok := meta["namespace"].(string); ok && ns != "" {
			req = req.Namespace(ns)
		}
		var out metav1.PartialObjectMetadata
		if err := req.Do(ctx).Into(&out); err != nil {
			t.Errorf("updating %s: %v", key, err)
		} else if out.Labels["upgraded"] != "true" || out.ResourceVersion == meta["resourceVersion"] {
			t.Errorf("updating %s: labels %v, resourceVersion %s", key, out.Labels, out.ResourceVersion)
		}
	}
}

// TestMissingFields: the upgrade test's comparison lets a newer server add
// fields and flags any lost or changed one, nested or in a list.
func TestMissingFields(t *testing.T) {
	decode := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	old := decode(`{"spec": {"tier": "standard", "services": [{"name": "a", "replicas": 2}]}}`)
	for _, tc := range []struct {
		served string
		want   int
	}{
		{`{"spec": {"tier": "standard", "services": [{"name": "a", "replicas": 2}]}}`, 0},
		{`{"spec": {"tier": "standard", "new": true, "services": [{"name": "a", "replicas": 2, "cpu": "1"}]}}`, 0},
		{`{"spec": {"tier": "enterprise", "services": [{"name": "a", "replicas": 2}]}}`, 1},
		{`{"spec": {"services": [{"name": "a"}]}}`, 2},
		{`{"spec": {"tier": "standard", "services": []}}`, 1},
		{`{"spec": "flat"}`, 1},
	} {
		if got := missing("obj", decode(tc.served), old); len(got) != tc.want {
			t.Errorf("%s: %v, want %d differences", tc.served, got, tc.want)
		}
	}
}
