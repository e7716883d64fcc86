package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/certs"
	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/etcd"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/identity"
)

// sharedEtcd is one etcd that several replicas store in, and the
// key-encryption key they share.
type sharedEtcd struct {
	URL     string
	KEKFile string
	Client  *clientv3.Client
}

func startSharedEtcd(t *testing.T) *sharedEtcd {
	t.Helper()
	member, err := etcd.Start(etcd.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(member.Close)
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{member.ClientURL()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return &sharedEtcd{URL: member.ClientURL(), KEKFile: writeKEK(t), Client: client}
}

func writeKEK(t *testing.T) string {
	t.Helper()
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	path := filepath.Join(t.TempDir(), "kek")
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(raw)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// replicaOf configures a server as a replica on e: quick syncs and
// activity writes, so the test need not wait minutes.
func (e *sharedEtcd) replicaOf(kekFile string) func(*server.Options) {
	return func(o *server.Options) {
		o.Recommended.Etcd.StorageConfig.Transport.ServerList = []string{e.URL}
		o.Shared.KeyEncryptionKeyFile = kekFile
		o.Shared.SyncInterval = 200 * time.Millisecond
		o.Shared.ActivityWriteInterval = 300 * time.Millisecond
	}
}

func (e *sharedEtcd) replica(o *server.Options) { e.replicaOf(e.KEKFile)(o) }

// federatedToken is a token of org signed by s (its Issuer), for s's own
// audience.
func federatedToken(t *testing.T, s *testServer, org string) string {
	t.Helper()
	ftr, err := s.Client.StaxV1alpha1().FederatedTokenRequests(org).Create(context.Background(), &staxv1.FederatedTokenRequest{
		Spec: staxv1.FederatedTokenRequestSpec{Audience: "stax.microstax.ai", ExpirationSeconds: ptr.To[int64](600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ftr.Status.Token
}

// kidOf is the ES256 key id in a token's header.
func kidOf(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

func TestReplicasShareIdentityAndCA(t *testing.T) {
	e := startSharedEtcd(t)
	a := startInProcess(t, storeOnly, e.replica)
	b := startInProcess(t, storeOnly, e.replica)
	ctx := context.Background()
	if _, err := a.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	t.Run("one CA: a client of A trusts B and B accepts its certificate", func(t *testing.T) {
		caA, _ := os.ReadFile(filepath.Join(a.DataDir, "pki", "ca.crt"))
		caB, _ := os.ReadFile(filepath.Join(b.DataDir, "pki", "ca.crt"))
		if len(caA) == 0 || !bytes.Equal(caA, caB) {
			t.Fatal("the replicas have different CAs")
		}
		toB := rest.CopyConfig(a.Config)
		toB.Host = b.Config.Host
		body, err := mustClient(t, toB).Discovery().RESTClient().Get().AbsPath("/apis/stax.microstax.ai/v1alpha1/organizations").DoRaw(ctx)
		if err != nil || !strings.Contains(string(body), `"name":"`+ns+`"`) {
			t.Fatalf("A's kubeconfig against B: %v %s", err, body)
		}
	})

	t.Run("no local disk holds the only copy", func(t *testing.T) {
		for _, s := range []*testServer{a, b} {
			for _, f := range []string{"identity/keyset.json", "pki/ca.key"} {
				if _, err := os.Stat(filepath.Join(s.DataDir, f)); !os.IsNotExist(err) {
					t.Errorf("%s holds %s (%v)", s.DataDir, f, err)
				}
			}
		}
		for _, name := range []string{"identity-keyset", "standalone-ca"} {
			resp, err := e.Client.Get(ctx, "/registry/stax.microstax.ai/clusterstate/"+name)
			if err != nil || len(resp.Kvs) != 1 {
				t.Fatalf("%s in etcd: %v %v", name, resp, err)
			}
			raw := resp.Kvs[0].Value
			if !bytes.HasPrefix(raw, []byte("stax-kek1:")) {
				t.Errorf("%s is not sealed: %.40q", name, raw)
			}
			for _, plain := range []string{"PRIVATE KEY", "ec_pkcs8", "mldsa_seed", "BEGIN CERTIFICATE"} {
				if bytes.Contains(raw, []byte(plain)) {
					t.Errorf("%s in etcd shows %q", name, plain)
				}
			}
		}
	})

	tokenA := federatedToken(t, a, ns)
	t.Run("a token A signed verifies on B", func(t *testing.T) {
		if _, err := tokenClient(t, b, tokenA).StaxV1alpha1().Environments(ns).List(ctx, metav1.ListOptions{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a revocation through A refuses on B", func(t *testing.T) {
		victim := federatedToken(t, a, ns)
		waitTokenAccepted(t, b, victim, ns, true)
		jti, exp := tokenID(t, a, victim)
		revoke(t, a.Client, ns, "victim", jti, exp)
		waitTokenAccepted(t, b, victim, ns, false)
		waitTokenAccepted(t, b, tokenA, ns, true)
	})

	t.Run("after a rotation B signs with the new key and old tokens verify", func(t *testing.T) {
		old := kidOf(t, tokenA)
		var out bytes.Buffer
		cmd := server.NewCommand(ctx, server.NewOptions(io.Discard, io.Discard))
		cmd.SetArgs([]string{"rotate-token-keys", "--etcd-servers", e.URL, "--key-encryption-key-file", e.KEKFile, "--force"})
		cmd.SetOut(&out)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("rotate-token-keys: %v", err)
		}
		if !strings.Contains(out.String(), "is retired") || !strings.Contains(out.String(), old) {
			t.Fatalf("rotate-token-keys said %q", out.String())
		}
		var fresh string
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			fresh = federatedToken(t, b, ns)
			return kidOf(t, fresh) != old, nil
		})
		if err != nil {
			t.Fatal("B still signs with the retired key")
		}
		for _, s := range []*testServer{a, b} {
			waitTokenAccepted(t, s, tokenA, ns, true)
			waitTokenAccepted(t, s, fresh, ns, true)
		}
		if kidOf(t, federatedToken(t, a, ns)) != kidOf(t, fresh) {
			t.Fatal("A and B sign with different keys after the rotation")
		}
	})

	t.Run("mint-token signs with the shared keys", func(t *testing.T) {
		var out bytes.Buffer
		cmd := server.NewCommand(ctx, server.NewOptions(io.Discard, io.Discard))
		cmd.SetArgs([]string{"mint-token", "--data-dir", t.TempDir(), "--organization", ns, "--subject", "ops",
			"--lifetime", "10m", "--etcd-servers", e.URL, "--key-encryption-key-file", e.KEKFile})
		cmd.SetOut(&out)
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		waitTokenAccepted(t, b, strings.TrimSpace(out.String()), ns, true)
	})

	t.Run("a replica with another key-encryption key fails clearly", func(t *testing.T) {
		o := server.NewOptions(io.Discard, io.Discard)
		o.DataDir = t.TempDir()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		o.Recommended.SecureServing.Listener = l
		e.replicaOf(writeKEK(t))(o)
		err = o.Complete()
		if err == nil || !strings.Contains(err.Error(), "another key-encryption key") || !strings.Contains(err.Error(), "--key-encryption-key-file") {
			t.Fatalf("Complete with the wrong KEK: %v", err)
		}
	})
}

func mustClient(t *testing.T, cfg *rest.Config) versioned.Interface {
	t.Helper()
	c, err := versioned.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReplicasShareImportsADataDirectory(t *testing.T) {
	e := startSharedEtcd(t)
	dataDir := t.TempDir()
	local, err := identity.OpenKeySet(filepath.Join(dataDir, "identity"), time.Now(), identity.KeySetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	files := certs.FilesIn(filepath.Join(dataDir, "pki"))
	if err := certs.Ensure(files, []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	ca, _ := os.ReadFile(files.CACert)
	a := startInProcess(t, storeOnly, e.replica, func(o *server.Options) { o.DataDir = dataDir })
	b := startInProcess(t, storeOnly, e.replica)
	ctx := context.Background()
	if _, err := a.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*testServer{a, b} {
		if kid := kidOf(t, federatedToken(t, s, ns)); kid != local.Current().ECKeyID() {
			t.Fatalf("%s signs with %s, not the imported %s", s.DataDir, kid, local.Current().ECKeyID())
		}
		if got, _ := os.ReadFile(filepath.Join(s.DataDir, "pki", "ca.crt")); !bytes.Equal(got, ca) {
			t.Fatalf("%s does not use the imported CA", s.DataDir)
		}
	}
}

func TestReplicasShareActivity(t *testing.T) {
	e := startSharedEtcd(t)
	a := startInProcess(t, storeOnly, e.replica) // serves the use, runs no controller
	b := startInProcess(t, e.replica)            // runs the controllers, sees no use
	ctx := context.Background()
	envsA := a.Client.StaxV1alpha1().Environments(ns)
	for _, name := range []string{"busy", "idle"} {
		env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: staxv1.EnvironmentSpec{
			Blueprint:    staxv1.Blueprint{Services: []staxv1.ServiceSpec{demo(t, "api", 1, nil)}},
			AutoShutdown: &staxv1.AutoShutdown{IdleTimeout: &metav1.Duration{Duration: 4 * time.Second}},
		}}
		if _, err := envsA.Create(ctx, env, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Use busy through A until B's controller stopped idle, and some more.
	stoppedIdle := time.Time{}
	for start := time.Now(); ; time.Sleep(300 * time.Millisecond) {
		busy, err := envsA.Get(ctx, "busy", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if busy.Spec.Paused {
			t.Fatalf("B's controller stopped busy, used through A all along (lastUsedTime %v)", busy.Status.LastUsedTime)
		}
		// A list is not use (a get would be).
		list, err := b.Client.StaxV1alpha1().Environments(ns).List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=idle"})
		if err != nil || len(list.Items) != 1 {
			t.Fatalf("listing idle: %v %v", list, err)
		}
		if list.Items[0].Spec.Paused && stoppedIdle.IsZero() {
			stoppedIdle = time.Now()
		}
		if !stoppedIdle.IsZero() && time.Since(stoppedIdle) > 4*time.Second {
			if busy.Status.LastUsedTime == nil {
				t.Fatal("busy shows no lastUsedTime")
			}
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatal("B's controller never stopped the unused environment")
		}
	}
	// Left alone, busy is stopped too.
	waitFor(t, b, "busy", "stopped once unused", func(e *staxv1.Environment) bool { return e.Spec.Paused })
}

func TestReplicasShareRequestLimits(t *testing.T) {
	e := startSharedEtcd(t)
	a := startInProcess(t, storeOnly, e.replica)
	b := startInProcess(t, storeOnly, e.replica)
	ctx := context.Background()
	tokens := map[string]string{}
	for _, org := range []string{"probe", "limited"} {
		if _, err := a.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: org},
			Spec: staxv1.OrganizationSpec{Tier: staxv1.TierEnterprise, RequestsPerMinute: ptr.To[int32](10)}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		tokens[org] = federatedToken(t, a, org)
	}
	get := func(s *testServer, org string) (int, string) {
		cfg := rest.AnonymousClientConfig(s.Config)
		cfg.BearerToken = tokens[org]
		hc, err := rest.HTTPClientFor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Get(s.Config.Host + "/apis/stax.microstax.ai/v1alpha1/namespaces/" + org + "/environments")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("RateLimit-Limit")
	}
	// Both replicas count each other before the counting starts.
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		_, limitA := get(a, "probe")
		_, limitB := get(b, "probe")
		return limitA == "5" && limitB == "5", nil
	})
	if err != nil {
		t.Fatal("the replicas never took their share (5) of the limit of 10")
	}
	for name, s := range map[string]*testServer{"A": a, "B": b} {
		allowed := 0
		for range 7 {
			if code, _ := get(s, "limited"); code == 200 {
				allowed++
			} else if code != 429 {
				t.Fatalf("%s answered %d", name, code)
			}
		}
		if allowed != 5 {
			t.Fatalf("%s allowed %d of 7 requests, want its share 5", name, allowed)
		}
	}
}
