package controllermanager

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"

	runtimeoptions "github.com/microstax/stax/pkg/runtime/options"
)

func parse(t *testing.T, args ...string) *Options {
	t.Helper()
	o := NewOptions()
	fs := pflag.NewFlagSet("stax-controller-manager", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestRuntimeFlags: the manager takes the runtime flags of stax-apiserver,
// with the same default and the same checks.
func TestRuntimeFlags(t *testing.T) {
	const etcd = "--leader-elect-etcd-servers=http://127.0.0.1:2379"
	if o := parse(t, etcd); o.Runtime.Name != runtimeoptions.Local {
		t.Errorf("default runtime %q, want %q", o.Runtime.Name, runtimeoptions.Local)
	}
	o := parse(t, etcd, "--runtime=kubernetes", "--runtime-kubeconfig=/k")
	if err := o.Validate(); err != nil {
		t.Errorf("--runtime=kubernetes with a kubeconfig: %v", err)
	}
	if o.Runtime.Name != runtimeoptions.Kubernetes || o.Runtime.Kubeconfig != "/k" {
		t.Errorf("runtime options %+v", o.Runtime)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{etcd, "--runtime=kubernetes"}, []string{"--runtime-kubeconfig is required with --runtime=kubernetes"}},
		{[]string{etcd, "--runtime-kubeconfig=/k"}, []string{"--runtime-kubeconfig is only for --runtime=kubernetes"}},
		{[]string{etcd, "--runtime=podman"}, []string{`unknown runtime "podman"`}},
		{[]string{etcd, "--runtime=none"}, []string{"the environment controller needs a runtime"}},
		{[]string{etcd, "--leader-elect-etcd-certfile=/c"}, []string{"--leader-elect-etcd-certfile and --leader-elect-etcd-keyfile go together"}},
		{[]string{"--controllers=bogus", "--runtime=kubernetes"}, []string{
			`unknown controller "bogus"`, "--leader-elect needs --leader-elect-etcd-servers", "--runtime-kubeconfig is required"}},
	} {
		err := parse(t, tc.args...).Validate()
		if err == nil {
			t.Errorf("%v validated", tc.args)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%v: %q does not say %q", tc.args, err, want)
			}
		}
	}
	if err := parse(t, "--leader-elect=false", "--controllers=tokenrevocation", "--runtime=none").Validate(); err != nil {
		t.Errorf("only the token revocation controller, no runtime: %v", err)
	}
}
