package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// tokenClient is a client that presents only a bearer token: no client
// certificate.
func tokenClient(t testing.TB, s *testServer, token string) versioned.Interface {
	t.Helper()
	cfg := rest.AnonymousClientConfig(s.Config)
	cfg.BearerToken = token
	c, err := versioned.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mintWithCLI runs "stax-apiserver mint-token" against the server's data
// directory, as an admin bootstrapping an organization would; flags are
// added to the command line (e.g. "--groups", "stax:org-admin").
func mintWithCLI(t testing.TB, s *testServer, org, subject string, flags ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := server.NewCommand(context.Background(), server.NewOptions(io.Discard, io.Discard))
	cmd.SetArgs(append([]string{"mint-token", "--data-dir", s.DataDir, "--organization", org, "--subject", subject, "--lifetime", "30m"}, flags...))
	cmd.SetOut(&out)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("mint-token: %v", err)
	}
	return strings.TrimSpace(out.String())
}

func TestIdentityAndOrganizationScope(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	admin := s.Client.StaxV1alpha1()

	for _, org := range []*staxv1.Organization{
		{ObjectMeta: metav1.ObjectMeta{Name: "acme"}, Spec: staxv1.OrganizationSpec{DisplayName: "Acme"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "globex"}, Spec: staxv1.OrganizationSpec{Tier: staxv1.TierEnterprise, RequestsPerMinute: ptr.To[int32](5000)}},
	} {
		created, err := admin.Organizations().Create(ctx, org, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if org.Name == "acme" && created.Spec.Tier != staxv1.TierStandard {
			t.Fatalf("default tier %q", created.Spec.Tier)
		}
	}
	org, err := admin.Organizations().Get(ctx, "globex", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	org.Labels = map[string]string{"plan": "gold"}
	if org, err = admin.Organizations().Update(ctx, org, metav1.UpdateOptions{}); err != nil || org.Generation != 1 {
		t.Fatalf("label change: generation %d, %v", org.Generation, err)
	}
	org.Spec.RequestsPerMinute = ptr.To[int32](6000)
	if org, err = admin.Organizations().Update(ctx, org, metav1.UpdateOptions{}); err != nil || org.Generation != 2 {
		t.Fatalf("quota change: generation %d, %v", org.Generation, err)
	}
	_, err = admin.Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "cheap"},
		Spec: staxv1.OrganizationSpec{RequestsPerMinute: ptr.To[int32](1000)}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.requestsPerMinute") {
		t.Fatalf("standard tier with its own quota: want 422 on spec.requestsPerMinute, got %v", err)
	}

	// The first token of acme comes through the API from the admin; the
	// first of globex from the CLI.
	ftr, err := admin.FederatedTokenRequests("acme").Create(ctx, &staxv1.FederatedTokenRequest{
		Spec: staxv1.FederatedTokenRequestSpec{Audience: "stax.microstax.ai", ExpirationSeconds: ptr.To[int64](600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	acmeToken := ftr.Status.Token
	if until := time.Until(ftr.Status.ExpirationTimestamp.Time); until > 10*time.Minute || until < 9*time.Minute {
		t.Fatalf("federated token expires in %s", until)
	}
	globexToken := mintWithCLI(t, s, "globex", "gina")

	acme := tokenClient(t, s, acmeToken).StaxV1alpha1()
	globex := tokenClient(t, s, globexToken).StaxV1alpha1()

	t.Run("a token acts in its own organization", func(t *testing.T) {
		if _, err := acme.Environments("acme").Create(ctx, newEnvironment("by-token", map[string]string{"team": "red"}), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		list, err := acme.Environments("acme").List(ctx, metav1.ListOptions{LabelSelector: "team=red"})
		if err != nil || len(list.Items) != 1 {
			t.Fatalf("list in own org: %v items, %v", len(list.Items), err)
		}
		w, err := acme.Environments("acme").Watch(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("watch in own org: %v", err)
		}
		w.Stop()
		org, err := acme.Organizations().Get(ctx, "acme", metav1.GetOptions{})
		if err != nil || org.Spec.DisplayName != "Acme" {
			t.Fatalf("own Organization: %v %v", org, err)
		}
	})

	t.Run("a token is refused in another organization", func(t *testing.T) {
		globexEnv := newEnvironment("globex-env", map[string]string{"team": "red"})
		globexEnv.Namespace = "globex"
		if _, err := globex.Environments("globex").Create(ctx, globexEnv, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		checks := map[string]error{}
		_, checks["list"] = acme.Environments("globex").List(ctx, metav1.ListOptions{})
		_, checks["label-selected list"] = acme.Environments("globex").List(ctx, metav1.ListOptions{LabelSelector: "team=red"})
		_, checks["get"] = acme.Environments("globex").Get(ctx, "globex-env", metav1.GetOptions{})
		intruder := newEnvironment("intruder", nil)
		intruder.Namespace = "globex"
		_, checks["create"] = acme.Environments("globex").Create(ctx, intruder, metav1.CreateOptions{})
		_, checks["watch"] = acme.Environments("globex").Watch(ctx, metav1.ListOptions{})
		_, checks["list across all namespaces"] = acme.Environments("").List(ctx, metav1.ListOptions{})
		_, checks["other Organization"] = globex.Organizations().Get(ctx, "acme", metav1.GetOptions{})
		_, checks["list Organizations"] = acme.Organizations().List(ctx, metav1.ListOptions{})
		_, checks["update own Organization"] = acme.Organizations().Update(ctx, &staxv1.Organization{
			ObjectMeta: metav1.ObjectMeta{Name: "acme"}, Spec: staxv1.OrganizationSpec{Tier: staxv1.TierEnterprise}}, metav1.UpdateOptions{})
		_, checks["mint for another org"] = acme.FederatedTokenRequests("globex").Create(ctx, &staxv1.FederatedTokenRequest{
			Spec: staxv1.FederatedTokenRequestSpec{Audience: "other-cluster"}}, metav1.CreateOptions{})
		for what, err := range checks {
			if !apierrors.IsForbidden(err) {
				t.Errorf("%s: want 403, got %v", what, err)
			}
		}
	})

	t.Run("bad tokens are 401 with nothing that helps an attacker", func(t *testing.T) {
		parts := strings.Split(acmeToken, ".")
		payload := []byte(parts[1])
		payload[10] ^= 1
		tampered := parts[0] + "." + string(payload) + "." + parts[2]
		for name, token := range map[string]string{
			"payload altered":   tampered,
			"signature removed": parts[0] + "." + parts[1] + ".",
			"garbage":           "not-a-token",
			"alg none":          "eyJhbGciOiJub25lIn0." + parts[1] + ".",
		} {
			_, err := tokenClient(t, s, token).StaxV1alpha1().Environments("acme").List(ctx, metav1.ListOptions{})
			if !apierrors.IsUnauthorized(err) {
				t.Errorf("%s: want 401, got %v", name, err)
				continue
			}
			if msg := err.Error(); strings.Contains(msg, "signature") || strings.Contains(msg, "ML-DSA") || strings.Contains(msg, "expired") {
				t.Errorf("%s: refusal says too much: %q", name, msg)
			}
		}
	})

	t.Run("IdentityReview", func(t *testing.T) {
		review, err := acme.IdentityReviews().Create(ctx, &staxv1.IdentityReview{Spec: staxv1.IdentityReviewSpec{Token: acmeToken, Organization: "acme"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		st := review.Status
		if !st.Authenticated || st.Organization != "acme" || st.User.Username != "stax-admin" || st.User.Actor != "stax-admin" ||
			!st.Signatures.Classical || !st.Signatures.PostQuantum || len(st.Audiences) != 1 || st.ExpirationTimestamp == nil {
			t.Fatalf("review of a good token: %+v", st)
		}
		wrongOrg, err := admin.IdentityReviews().Create(ctx, &staxv1.IdentityReview{Spec: staxv1.IdentityReviewSpec{Token: acmeToken, Organization: "globex"}}, metav1.CreateOptions{})
		if err != nil || wrongOrg.Status.Authenticated || wrongOrg.Status.Error == "" {
			t.Fatalf("review for the wrong organization: %+v %v", wrongOrg.Status, err)
		}
		bad, err := admin.IdentityReviews().Create(ctx, &staxv1.IdentityReview{Spec: staxv1.IdentityReviewSpec{Token: acmeToken + "x"}}, metav1.CreateOptions{})
		if err != nil || bad.Status.Authenticated {
			t.Fatalf("review of a damaged token: %+v %v", bad.Status, err)
		}
		if _, err := admin.IdentityReviews().Create(ctx, &staxv1.IdentityReview{}, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
			t.Fatalf("review without a token: want 422, got %v", err)
		}
	})

	t.Run("FederatedTokenRequest limits", func(t *testing.T) {
		for name, spec := range map[string]staxv1.FederatedTokenRequestSpec{
			"no audience":   {},
			"too long":      {Audience: "other", ExpirationSeconds: ptr.To[int64](3600)},
			"far too short": {Audience: "other", ExpirationSeconds: ptr.To[int64](1)},
		} {
			_, err := acme.FederatedTokenRequests("acme").Create(ctx, &staxv1.FederatedTokenRequest{Spec: spec}, metav1.CreateOptions{})
			if !apierrors.IsInvalid(err) {
				t.Errorf("%s: want 422, got %v", name, err)
			}
		}
		fed, err := acme.FederatedTokenRequests("acme").Create(ctx, &staxv1.FederatedTokenRequest{
			Spec: staxv1.FederatedTokenRequestSpec{Audience: "https://other-cluster.example"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(fed.Status.ExpirationTimestamp.Time); d > 5*time.Minute || d < 4*time.Minute {
			t.Fatalf("default lifetime: expires in %s", d)
		}
		// A token for another cluster does not open this one.
		if _, err := tokenClient(t, s, fed.Status.Token).StaxV1alpha1().Environments("acme").List(ctx, metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
			t.Fatalf("token for another audience used here: want 401, got %v", err)
		}
	})

	t.Run("discovery documents are public", func(t *testing.T) {
		plain := insecureHTTPClient(t, s)
		for path, want := range map[string]string{
			"/.well-known/openid-configuration": `"issuer":"https://stax-apiserver.microstax.svc"`,
			"/openid/v1/jwks":                   `"kty":"EC"`,
			"/openid/v1/jwks-akp":               `"kty":"AKP"`,
		} {
			resp, err := plain.Get(s.Config.Host + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
				t.Errorf("%s: %d %s", path, resp.StatusCode, body)
			}
		}
		resp, err := plain.Get(s.Config.Host + "/apis/stax.microstax.ai/v1alpha1/namespaces/acme/environments")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("anonymous list: %d, want 403", resp.StatusCode)
		}
	})

	t.Run("TokenReview webhook for kube-apiserver", func(t *testing.T) {
		review := func(token string) authenticationv1.TokenReview {
			body, _ := json.Marshal(authenticationv1.TokenReview{
				TypeMeta: metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenReview"},
				Spec:     authenticationv1.TokenReviewSpec{Token: token},
			})
			raw, err := s.Client.Discovery().RESTClient().Post().AbsPath("/authenticate").Body(body).DoRaw(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out authenticationv1.TokenReview
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		good := review(acmeToken)
		if !good.Status.Authenticated || good.Status.User.Username != "stax-admin" ||
			!contains(good.Status.User.Groups, "stax.microstax.ai:org:acme") ||
			strings.Join(good.Status.User.Extra["stax.microstax.ai/post-quantum-verified"], "") != "true" {
			t.Fatalf("webhook review of a good token: %+v", good.Status)
		}
		if bad := review(acmeToken[:len(acmeToken)-4]); bad.Status.Authenticated {
			t.Fatalf("webhook accepted a cut token")
		}
		// An organization's token may not call the webhook itself.
		raw := tokenClient(t, s, acmeToken).Discovery().RESTClient().Post().AbsPath("/authenticate").Body([]byte("{}")).Do(ctx)
		if err := raw.Error(); !apierrors.IsForbidden(err) {
			t.Fatalf("webhook called with an org token: want 403, got %v", err)
		}
	})

	t.Run("a revoked token is refused until it expires", func(t *testing.T) {
		victim := mintWithCLI(t, s, "acme", "mallory")
		client := tokenClient(t, s, victim).StaxV1alpha1()
		if _, err := client.Environments("acme").List(ctx, metav1.ListOptions{}); err != nil {
			t.Fatalf("before revocation: %v", err)
		}
		review, err := admin.IdentityReviews().Create(ctx, &staxv1.IdentityReview{Spec: staxv1.IdentityReviewSpec{Token: victim}}, metav1.CreateOptions{})
		if err != nil || review.Status.TokenID == "" {
			t.Fatalf("review gives no token id: %+v %v", review.Status, err)
		}
		// The holder of a token may revoke it: it is in its own organization.
		_, err = client.TokenRevocations("acme").Create(ctx, &staxv1.TokenRevocation{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "leaked-"},
			Spec:       staxv1.TokenRevocationSpec{TokenID: review.Status.TokenID, ExpirationTime: *review.Status.ExpirationTimestamp},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := client.Environments("acme").List(ctx, metav1.ListOptions{})
			return apierrors.IsUnauthorized(err), nil
		})
		if err != nil {
			t.Fatalf("revoked token still accepted")
		}
		again, err := admin.IdentityReviews().Create(ctx, &staxv1.IdentityReview{Spec: staxv1.IdentityReviewSpec{Token: victim}}, metav1.CreateOptions{})
		if err != nil || again.Status.Authenticated {
			t.Fatalf("IdentityReview of a revoked token: %+v %v", again.Status, err)
		}
		if _, err := acme.Environments("acme").List(ctx, metav1.ListOptions{}); err != nil {
			t.Fatalf("revoking one token refused another: %v", err)
		}
		bad := &staxv1.TokenRevocation{ObjectMeta: metav1.ObjectMeta{Name: "empty"}}
		if _, err := admin.TokenRevocations("acme").Create(ctx, bad, metav1.CreateOptions{}); !apierrors.IsInvalid(err) ||
			!strings.Contains(err.Error(), "spec.tokenID") {
			t.Fatalf("revocation without a token id: want 422 on spec.tokenID, got %v", err)
		}
	})

	t.Run("audit records the post-quantum verdict", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(s.DataDir, "audit.log"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `"stax.microstax.ai/post-quantum-verified":["true"]`) {
			t.Fatalf("audit log lacks the token user's post-quantum extra")
		}
		if strings.Contains(string(data), acmeToken) {
			t.Fatalf("audit log contains a token")
		}
	})
}

func insecureHTTPClient(t *testing.T, s *testServer) *http.Client {
	t.Helper()
	cfg := rest.AnonymousClientConfig(s.Config)
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: transport, Timeout: 30 * time.Second}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
