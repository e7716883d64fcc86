package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/test/e2e/hacluster"
)

// checkSharedToken mints a token with `stax-apiserver mint-token` on the
// key set the replicas share through etcd (--key-encryption-key-file) and
// uses it against every replica directly: each must accept it. A token of
// keys that are not the shared ones must be refused by each.
func checkSharedToken(t *testing.T, topo *hacluster.Topology) {
	mint := func(extra ...string) string {
		args := append([]string{"mint-token", "--organization=" + haNamespace, "--subject=alice",
			"--groups=" + auth.OrganizationAdminClaim}, extra...)
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), runServerEnv+"=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("mint-token %v: %v", extra, err)
		}
		return strings.TrimSpace(string(out))
	}
	shared := mint("--data-dir="+filepath.Join(t.TempDir(), "empty"),
		"--etcd-servers="+strings.Join(topo.EtcdURLs, ","), "--key-encryption-key-file="+topo.KEKFile)
	// A data directory of its own: fresh keys no replica knows.
	foreign := mint("--data-dir=" + filepath.Join(t.TempDir(), "data"))
	for i, u := range topo.APIServerURLs {
		if got := tokenStatus(t, topo, u, shared); got != http.StatusOK {
			t.Errorf("stax-apiserver%d answered %d to the shared-key token, want 200", i, got)
		}
		if got := tokenStatus(t, topo, u, foreign); got != http.StatusUnauthorized {
			t.Errorf("stax-apiserver%d answered %d to a token of other keys, want 401", i, got)
		}
	}
}

func tokenStatus(t *testing.T, topo *hacluster.Topology, url, token string) int {
	t.Helper()
	tr, err := rest.TransportFor(&rest.Config{TLSClientConfig: rest.TLSClientConfig{CAFile: topo.CAFile}, BearerToken: token})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr}).Get(url + "/apis/stax.microstax.ai/v1alpha1/namespaces/" + haNamespace + "/environments")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
