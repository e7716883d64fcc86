package integration

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// dropPatches is an audit policy that records every request but patches.
const dropPatches = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  verbs: ["patch"]
- level: Metadata
`

const pinned = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestComplianceReport: on an organization prepared so that each control
// fails for known objects, the report names exactly those; the server's
// audit policy drops patches, so audit coverage reads the hand-computed
// share below 100% and names the patches by the audit IDs they were sent
// with, which the audit log lacks; a token verified with ES256 only (the
// classical-allowed policy) lowers the dual-signature share. A member reads
// the report (as the usage), another organization's token may not; it is
// served as a Table, through the gateway and by kubectl stax compliance.
func TestComplianceReport(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(dropPatches), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startInProcess(t, storeOnly, func(o *server.Options) {
		o.Recommended.Audit.PolicyFile = policy
		o.Identity.Policy = server.PolicyClassicalAllowed
	})
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	aliceToken := mintWithCLI(t, s, ns, "alice")
	bobToken := classicalOnly(t, s, mintWithCLI(t, s, ns, "bob"))
	alice, bob := tokenClient(t, s, aliceToken), tokenClient(t, s, bobToken)

	idle := &staxv1.AutoShutdown{IdleTimeout: &metav1.Duration{Duration: time.Hour}}
	newEnv := func(name string, auto *staxv1.AutoShutdown, services ...staxv1.ServiceSpec) *staxv1.Environment {
		if len(services) == 0 {
			services = []staxv1.ServiceSpec{{Name: "web", Image: "nginx" + pinned}}
		}
		return &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: staxv1.EnvironmentSpec{AutoShutdown: auto, Blueprint: staxv1.Blueprint{Services: services}}}
	}
	create := func(c versioned.Interface, e *staxv1.Environment) {
		t.Helper()
		if _, err := c.StaxV1alpha1().Environments(ns).Create(ctx, e, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", e.Name, err)
		}
	}
	// alice (both signatures): 3 creates, a patch, a get.
	create(alice, newEnv("good", idle))
	create(alice, newEnv("forever", nil))
	create(alice, newEnv("tagged", &staxv1.AutoShutdown{TimeToLive: &metav1.Duration{Duration: time.Hour}},
		staxv1.ServiceSpec{Name: "web", Image: "nginx" + pinned},
		staxv1.ServiceSpec{Name: "api", Image: "ghcr.io/acme/api:1.2"},
		staxv1.ServiceSpec{Name: "tool", Command: []string{"/bin/true"}}))
	patch(t, tokenConfig(s, aliceToken), "good", "alice-patch")
	if _, err := alice.StaxV1alpha1().Environments(ns).Get(ctx, "good", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	// bob (ES256 only): a create, a patch, a list.
	create(bob, newEnv("moved", idle))
	patch(t, tokenConfig(s, bobToken), "moved", "bob-patch")
	if _, err := bob.StaxV1alpha1().Environments(ns).List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	// The platform's requests are not the organization's: a component
	// creates one (impersonated by the admin), and drift is reported.
	impersonated := rest.CopyConfig(s.Config)
	impersonated.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:ci:bot", Groups: []string{"system:masters"}}
	create(versioned.NewForConfigOrDie(impersonated), newEnv("bot-made", idle))
	for name, status := range map[string]metav1.ConditionStatus{"good": metav1.ConditionFalse, "moved": metav1.ConditionTrue} {
		e, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e.Status.Conditions = []metav1.Condition{{Type: staxv1.ConditionDrifted, Status: status, Reason: "Test",
			Message: "web replicas: want 1, have 3", LastTransitionTime: metav1.Now()}}
		if _, err := s.Client.StaxV1alpha1().Environments(ns).UpdateStatus(ctx, e, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	report := getCompliance(t, s.Client, "")
	type want struct {
		result           string
		compliant, total int64
		figure           string
		failing          []string
	}
	bobID, _ := tokenID(t, s, bobToken) // the admin asks: not the organization's request
	wants := []struct {
		name string
		want
	}{
		// Of the organization's 8 requests, alice's 5 had both signatures.
		{"DualSignature", want{"Fail", 5, 8, "62.50", []string{bobID}}},
		// 6 mutating (4 creates, 2 patches), the patches unaudited: 4/6.
		{"AuditCoverage", want{"Fail", 4, 6, "66.66", []string{"bob-patch", "alice-patch"}}},
		{"EnvironmentOwner", want{"Fail", 4, 5, "80.00", []string{"bot-made"}}},
		{"AutoShutdown", want{"Fail", 4, 5, "80.00", []string{"forever"}}},
		{"ImageDigest", want{"Fail", 5, 6, "83.33", []string{"tagged/api"}}},
		{"NoDrift", want{"Fail", 1, 2, "50.00", []string{"moved"}}},
		{"ShadowDiffsReviewed", want{"NotApplicable", 0, 0, "", nil}},
	}
	if len(report.Controls) != len(wants) || report.Failed != 6 || report.Passed != 0 || report.Name != ns {
		t.Fatalf("report %+v", report)
	}
	for i, w := range wants {
		c := report.Controls[i]
		var names []string
		for _, f := range c.Failing {
			names = append(names, f.Name)
		}
		if c.Name != w.name || c.Result != w.result || c.Compliant != w.compliant || c.Total != w.total || c.Figure != w.figure ||
			!reflect.DeepEqual(names, w.failing) {
			t.Errorf("%s: %s %d/%d %q failing %v; want %+v", c.Name, c.Result, c.Compliant, c.Total, c.Figure, names, w.want)
		}
	}
	if f := report.Controls[1].Failing; len(f) == 2 && f[0].Reason != "patch environments moved by bob: no audit event" {
		t.Errorf("audit finding %q", f[0].Reason)
	}

	// The audit log agrees: the creates are there, the patches are not.
	creates, ids := auditedCreates(t, filepath.Join(s.DataDir, "audit.log"))
	if creates != 4 || ids["alice-patch"] || ids["bob-patch"] {
		t.Errorf("audit log: %d creates of the organization's tokens (want 4), patches present: %v %v", creates, ids["alice-patch"], ids["bob-patch"])
	}

	// One table row per control.
	raw, err := s.Client.StaxV1alpha1().RESTClient().Get().Resource("organizations").Name(ns).SubResource("compliancereport").
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var table metav1.Table
	if err := json.Unmarshal(raw, &table); err != nil || table.Kind != "Table" || len(table.Rows) != 7 ||
		table.Rows[4].Cells[0] != "ImageDigest" || table.Rows[4].Cells[2] != "83.33" || table.Rows[4].Cells[5] != "tagged/api" {
		t.Errorf("table %v: %s", err, raw)
	}

	// A member reads it, and its own request counts: 6 of 9 now.
	if r := getCompliance(t, alice, ""); r.Controls[0].Compliant != 6 || r.Controls[0].Total != 9 {
		t.Errorf("member's report: dual signature %d/%d, want 6/9", r.Controls[0].Compliant, r.Controls[0].Total)
	}
	globex := tokenClient(t, s, mintWithCLI(t, s, "globex", "eve"))
	if _, err := globex.StaxV1alpha1().RESTClient().Get().Resource("organizations").Name(ns).SubResource("compliancereport").DoRaw(ctx); !apierrors.IsForbidden(err) {
		t.Errorf("another organization's token: want 403, got %v", err)
	}
	if _, err := s.Client.StaxV1alpha1().RESTClient().Get().Resource("organizations").Name(ns).SubResource("compliancereport").
		Param("window", "32d").DoRaw(ctx); !apierrors.IsInvalid(err) {
		t.Errorf("a window past the retention: want 422, got %v", err)
	}

	// kubectl stax compliance, through real kubectl.
	expectStax(t, s.Kubeconfig, "", 0, []string{"Organization acme", "AuditCoverage", "66.66", "Service tagged/api",
		"Environment bot-made", "Request bob-patch: patch environments moved by bob", "1 command-only services not counted"},
		"compliance", "-n", ns)
	expectStax(t, s.Kubeconfig, "", 0, []string{"kind: ComplianceReport", "name: DualSignature"}, "compliance", "-n", ns, "--window", "1d", "-o", "yaml")
	expectStax(t, s.Kubeconfig, "", 1, []string{"window"}, "compliance", "-n", ns, "--window", "soon")
	expectStax(t, s.Kubeconfig, "", 2, []string{"unknown output format"}, "compliance", "-n", ns, "-o", "xml")

	// Through the gateway, in the envelope.
	gw := &restClient{t: t, base: startGateway(t, s), token: aliceToken, org: ns, http: &http.Client{Timeout: time.Minute}}
	var viaGateway staxv1.ComplianceReport
	gw.do("GET", "/v1/organization/compliance-report?window=1d", "", "").expect(t, "compliance report", 200, &viaGateway)
	if viaGateway.Kind != "ComplianceReport" || len(viaGateway.Controls) != 7 || viaGateway.Controls[2].Failing[0].Name != "bot-made" {
		t.Errorf("through the gateway: %+v", viaGateway)
	}
	if a := gw.do("GET", "/v1/organization/compliance-report?window=forever", "", "").expect(t, "bad window", 422, nil); causeFields(a) != "window" {
		t.Errorf("bad window: causes %q", causeFields(a))
	}
}

func getCompliance(t *testing.T, c versioned.Interface, window string) *staxv1.ComplianceReport {
	t.Helper()
	req := c.StaxV1alpha1().RESTClient().Get().Resource("organizations").Name(ns).SubResource("compliancereport")
	if window != "" {
		req = req.Param("window", window)
	}
	raw, err := req.DoRaw(context.Background())
	if err != nil {
		t.Fatalf("compliance report: %v: %s", err, raw)
	}
	var r staxv1.ComplianceReport
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return &r
}

func tokenConfig(s *testServer, token string) *rest.Config {
	cfg := rest.AnonymousClientConfig(s.Config)
	cfg.BearerToken = token
	return cfg
}

// patch merges a label into an environment, sent with the given Audit-ID.
func patch(t *testing.T, cfg *rest.Config, name, auditID string) {
	t.Helper()
	c := versioned.NewForConfigOrDie(cfg)
	if err := c.StaxV1alpha1().RESTClient().Patch(types.MergePatchType).Namespace(ns).Resource("environments").Name(name).
		SetHeader("Audit-ID", auditID).Body([]byte(`{"metadata":{"labels":{"patched":"yes"}}}`)).Do(context.Background()).Error(); err != nil {
		t.Fatalf("patch %s: %v", name, err)
	}
}

// classicalOnly re-signs a hybrid token with its ES256 key alone, as an
// issuer without ML-DSA would: the header loses its ML-DSA-65 proof.
func classicalOnly(t *testing.T, s *testServer, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	var header map[string]any
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(raw, &header) != nil {
		t.Fatalf("token header: %v", err)
	}
	delete(header, "pqkid")
	delete(header, "pqsig")
	data, err := os.ReadFile(filepath.Join(s.DataDir, "identity", "keys", header["kid"].(string), "ec.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	hdr, _ := json.Marshal(header)
	input := base64.RawURLEncoding.EncodeToString(hdr) + "." + parts[1]
	digest := sha256.Sum256([]byte(input))
	ec := key.(*ecdsa.PrivateKey)
	r, sig, err := ecdsa.Sign(rand.Reader, ec, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	if half := new(big.Int).Rsh(ec.Curve.Params().N, 1); sig.Cmp(half) > 0 {
		sig.Sub(ec.Curve.Params().N, sig) // low-S only
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	sig.FillBytes(out[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(out)
}

// auditedCreates counts the log's events of creates by the organization's
// token users and collects every audit ID it holds.
func auditedCreates(t *testing.T, path string) (int, map[string]bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := map[string]bool{}
	creates := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct {
			AuditID string `json:"auditID"`
			Verb    string `json:"verb"`
			User    struct {
				Extra map[string][]string `json:"extra"`
			} `json:"user"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		ids[ev.AuditID] = true
		if ev.Verb == "create" && reflect.DeepEqual(ev.User.Extra["stax.microstax.ai/organization"], []string{ns}) {
			creates++
		}
	}
	return creates, ids
}
