package options

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	kuberuntime "github.com/microstax/stax/pkg/runtime/kubernetes"
	"github.com/microstax/stax/pkg/runtime/local"
)

// parse gives fresh options the command-line args, as a command would.
func parse(t *testing.T, args ...string) *RuntimeOptions {
	t.Helper()
	o := NewRuntimeOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		// want are substrings of the errors, one per error, in order.
		want []string
	}{
		{name: "default is local", args: nil},
		{name: "local", args: []string{"--runtime=local"}},
		{name: "none", args: []string{"--runtime=none"}},
		{name: "kubernetes with kubeconfig", args: []string{"--runtime=kubernetes", "--runtime-kubeconfig=/k"}},
		{name: "unknown runtime", args: []string{"--runtime=docker"},
			want: []string{`--runtime: unknown runtime "docker" (known: [kubernetes local none])`}},
		{name: "empty runtime", args: []string{"--runtime="},
			want: []string{`--runtime: unknown runtime ""`}},
		{name: "kubernetes without kubeconfig", args: []string{"--runtime=kubernetes"},
			want: []string{"--runtime-kubeconfig is required with --runtime=kubernetes"}},
		{name: "kubeconfig without kubernetes", args: []string{"--runtime-kubeconfig=/k"},
			want: []string{"--runtime-kubeconfig is only for --runtime=kubernetes"}},
		{name: "kubeconfig with none", args: []string{"--runtime=none", "--runtime-kubeconfig=/k"},
			want: []string{"--runtime-kubeconfig is only for --runtime=kubernetes"}},
		{name: "a short stub token lifetime", args: []string{"--runtime=kubernetes", "--runtime-kubeconfig=/k", "--stub-token-lifetime=20s"}},
		{name: "a stub token lifetime too short", args: []string{"--stub-token-lifetime=5s"},
			want: []string{"--stub-token-lifetime: 5s is not within 10s and 1h0m0s"}},
		{name: "a stub token lifetime beyond the issuer's", args: []string{"--stub-token-lifetime=2h"},
			want: []string{"--stub-token-lifetime: 2h0m0s is not within 10s and 1h0m0s"}},
		{name: "unknown runtime with kubeconfig", args: []string{"--runtime=kube", "--runtime-kubeconfig=/k"},
			want: []string{`unknown runtime "kube"`, "--runtime-kubeconfig is only for --runtime=kubernetes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := parse(t, tc.args...).Validate()
			if len(errs) != len(tc.want) {
				t.Fatalf("errors %v, want %d: %q", errs, len(tc.want), tc.want)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tc.want[i]) {
					t.Errorf("error %d: %q, want it to contain %q", i, err, tc.want[i])
				}
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	o := parse(t)
	if o.Name != Local || o.Kubeconfig != "" || o.StubTokenLifetime != time.Hour {
		t.Errorf("defaults %+v, want the local runtime, no kubeconfig, stub tokens of an hour", o)
	}
}

// writeKubeconfig writes a kubeconfig of a cluster on 127.0.0.1 that New
// can build a client of; nothing listens there and nothing need.
func writeKubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: t}
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
`
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNew(t *testing.T) {
	t.Run("local", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "runtime")
		rt, closeRuntime, err := parse(t, "--runtime=local").New(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer closeRuntime()
		if _, ok := rt.(*local.Runtime); !ok {
			t.Errorf("runtime %T, want *local.Runtime", rt)
		}
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("the local runtime did not make its data directory: %v", err)
		}
	})
	t.Run("kubernetes", func(t *testing.T) {
		rt, closeRuntime, err := parse(t, "--runtime=kubernetes", "--runtime-kubeconfig="+writeKubeconfig(t)).New(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer closeRuntime()
		if _, ok := rt.(*kuberuntime.Runtime); !ok {
			t.Errorf("runtime %T, want *kuberuntime.Runtime", rt)
		}
	})
	t.Run("kubernetes with a missing kubeconfig", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing")
		_, _, err := parse(t, "--runtime=kubernetes", "--runtime-kubeconfig="+missing).New(t.TempDir(), nil)
		if err == nil || !strings.Contains(err.Error(), "--runtime-kubeconfig") || !strings.Contains(err.Error(), missing) {
			t.Errorf("error %v, want one naming --runtime-kubeconfig and %s", err, missing)
		}
	})
	t.Run("none", func(t *testing.T) {
		rt, closeRuntime, err := parse(t, "--runtime=none").New(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		closeRuntime()
		if rt != nil {
			t.Errorf("runtime %T, want none", rt)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		if _, _, err := parse(t, "--runtime=docker").New(t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), `"docker"`) {
			t.Errorf("error %v, want one naming the runtime", err)
		}
	})
}
