package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/diffpublish"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// causeAt says whether err is a 422 with a cause at path.
func causeAt(err error, path string) bool {
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !asStatus(err, &status) || status.Status().Details == nil {
		return false
	}
	for _, c := range status.Status().Details.Causes {
		if c.Field == path {
			return true
		}
	}
	return false
}

func asStatus(err error, into *apierrors.APIStatus) bool {
	s, ok := err.(apierrors.APIStatus)
	*into = s
	return ok
}

// shadowPatch merge-patches environments/{name}/shadow.
func shadowPatch(ctx context.Context, c versioned.Interface, name, settings string) (*staxv1.Environment, error) {
	env := &staxv1.Environment{}
	err := c.StaxV1alpha1().RESTClient().Patch(types.MergePatchType).Namespace(ns).Resource("environments").Name(name).
		SubResource("shadow").Body([]byte(`{"spec":{"shadow":` + settings + `}}`)).Do(ctx).Into(env)
	return env, err
}

// getDiffs reads environments/{name}/diffs with query parameters.
func getDiffs(ctx context.Context, c versioned.Interface, name string, params ...string) (*staxv1.EnvironmentDiff, error) {
	req := c.StaxV1alpha1().RESTClient().Get().Namespace(ns).Resource("environments").Name(name).SubResource("diffs")
	for i := 0; i+1 < len(params); i += 2 {
		req = req.Param(params[i], params[i+1])
	}
	d := &staxv1.EnvironmentDiff{}
	return d, req.Do(ctx).Into(d)
}

// sampleReport is what a front's engine might give back after 200
// requests of two endpoints: one changed field, one noisy one.
func sampleReport(updated time.Time) diff.Report {
	return diff.Report{Since: updated.Add(-time.Minute), Updated: updated, Endpoints: []diff.EndpointReport{
		{Endpoint: "GET /health", Requests: 50, Fields: []diff.FieldReport{
			{Field: "header:Date", Kind: "value", Raw: 50, Noise: 50, RawRate: 1, NoiseRate: 1, Verdict: diff.VerdictNoise}}},
		{Endpoint: "GET /users/{id}", Requests: 200, Fields: []diff.FieldReport{
			{Field: "body.name", Kind: "value", Raw: 50, Noise: 0, RawRate: 0.25, NoiseRate: 0, Verdict: diff.VerdictDifference,
				Examples: []diff.Example{{Request: "GET /users/7", Primary: `"ann"`, Candidate: `"Ann"`}}},
			{Field: "body.requestId", Kind: "value", Raw: 200, Noise: 200, RawRate: 1, NoiseRate: 1, Verdict: diff.VerdictNoise}}},
	}}
}

// TestShadow covers environments/shadow (set, read, refusals with their
// field paths, the main resource and status keep spec.shadow, the wide
// table), the EnvironmentDiff publisher and environments/diffs with its
// options, who may write diffs, the gateway rows and the plugin commands,
// on one store-only server.
func TestShadow(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)
	storedBaseline(t, s, "main") // main-env: db, api -> db
	feature, err := s.Client.StaxV1alpha1().Baselines(ns).CreateOverlay(ctx, "main", overlayRequest("feature",
		staxv1.ServiceChange{Name: "api", Image: "api:2"},
		staxv1.ServiceChange{Name: "cache", Image: "redis:7"}), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("set and read through environments/shadow", func(t *testing.T) {
		env, err := shadowPatch(ctx, s.Client, "feature", `{"enabled":true,"percent":25}`)
		if err != nil {
			t.Fatal(err)
		}
		sh := env.Spec.Shadow
		if sh == nil || !sh.Enabled || *sh.Percent != 25 || strings.Join(sh.Methods, ",") != "GET,HEAD,OPTIONS" || sh.Since == nil {
			t.Fatalf("shadow %+v", sh)
		}
		if env.Generation != feature.Generation+1 {
			t.Errorf("generation %d, want %d: the runtime must see the change", env.Generation, feature.Generation+1)
		}
		since := *sh.Since
		// GET, then PUT of the subresource; since stays while enabled.
		got := &staxv1.Environment{}
		if err := s.Client.StaxV1alpha1().RESTClient().Get().Namespace(ns).Resource("environments").Name("feature").SubResource("shadow").Do(ctx).Into(got); err != nil {
			t.Fatal(err)
		}
		got.Spec.Shadow.Percent = ptrTo[int32](50)
		got.Spec.DisplayName = "renamed through shadow"
		put := &staxv1.Environment{}
		if err := s.Client.StaxV1alpha1().RESTClient().Put().Namespace(ns).Resource("environments").Name("feature").SubResource("shadow").Body(got).Do(ctx).Into(put); err != nil {
			t.Fatal(err)
		}
		if *put.Spec.Shadow.Percent != 50 || !put.Spec.Shadow.Since.Equal(&since) {
			t.Errorf("after PUT: %+v", put.Spec.Shadow)
		}
		if put.Spec.DisplayName == "renamed through shadow" {
			t.Error("the shadow subresource changed spec.displayName")
		}
	})

	t.Run("the main resource and status keep spec.shadow", func(t *testing.T) {
		env, err := envs.Get(ctx, "feature", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		env.Spec.Shadow.Percent = ptrTo[int32](90)
		env.Spec.DisplayName = "Feature"
		updated, err := envs.Update(ctx, env, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *updated.Spec.Shadow.Percent != 50 || updated.Spec.DisplayName != "Feature" {
			t.Errorf("update: percent %d, displayName %q", *updated.Spec.Shadow.Percent, updated.Spec.DisplayName)
		}
		patched, err := envs.Patch(ctx, "feature", types.MergePatchType, []byte(`{"spec":{"shadow":null}}`), metav1.PatchOptions{})
		if err != nil || patched.Spec.Shadow == nil || *patched.Spec.Shadow.Percent != 50 {
			t.Errorf("merge patch of the main resource: %v %+v", err, patched.Spec.Shadow)
		}
		patched.Spec.Shadow.Enabled = false
		if st, err := envs.UpdateStatus(ctx, patched, metav1.UpdateOptions{}); err != nil || !st.Spec.Shadow.Enabled {
			t.Errorf("status update: %v %+v", err, st.Spec.Shadow)
		}
		// A create keeps nothing of it either.
		create := newEnvironment("created-shadowed", nil)
		create.Spec.Shadow = &staxv1.ShadowSpec{Enabled: true}
		if created, err := envs.Create(ctx, create, metav1.CreateOptions{}); err != nil || created.Spec.Shadow != nil {
			t.Errorf("create: %v %+v", err, created.Spec.Shadow)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, tc := range []struct {
			env, settings, path string
		}{
			{"main-env", `{"enabled":true}`, "spec.shadow"},
			{"feature", `{"methods":["GET","POST"]}`, "spec.shadow.methods[1]"},
			{"feature", `{"services":["db"]}`, "spec.shadow.services[0]"},
			{"feature", `{"services":["cache"]}`, "spec.shadow.services[0]"},
			{"feature", `{"percent":101}`, "spec.shadow.percent"},
			{"feature", `{"limit":{}}`, "spec.shadow.limit"},
		} {
			if _, err := shadowPatch(ctx, s.Client, tc.env, tc.settings); !causeAt(err, tc.path) {
				t.Errorf("%s %s: want 422 at %s, got %v", tc.env, tc.settings, tc.path, err)
			}
		}
		if _, err := shadowPatch(ctx, s.Client, "nope", `{"enabled":true}`); !apierrors.IsNotFound(err) {
			t.Errorf("no such environment: %v", err)
		}
		// With allowUnsafe the same methods pass; off clears since.
		if env, err := shadowPatch(ctx, s.Client, "feature", `{"methods":["GET","POST"],"allowUnsafe":true}`); err != nil || len(env.Spec.Shadow.Methods) != 2 {
			t.Errorf("allowUnsafe: %v", err)
		}
		if env, err := shadowPatch(ctx, s.Client, "feature", `{"enabled":false}`); err != nil || env.Spec.Shadow.Since != nil {
			t.Errorf("off: %v %+v", err, env.Spec.Shadow)
		}
	})

	t.Run("kubectl patch --subresource=shadow, SHADOW in kubectl get -o wide", func(t *testing.T) {
		mustKubectl(t, s, "", "patch", "environment", "feature", "-n", ns, "--subresource=shadow", "--type=merge",
			"-p", `{"spec":{"shadow":{"enabled":true,"percent":25,"methods":null,"allowUnsafe":false}}}`)
		out := mustKubectl(t, s, "", "get", "environments", "-n", ns, "-o", "wide")
		rows := map[string]string{}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		col := strings.Index(lines[0], "SHADOW")
		if col < 0 {
			t.Fatalf("no SHADOW column:\n%s", out)
		}
		for _, l := range lines[1:] {
			rows[strings.Fields(l)[0]] = strings.TrimSpace(l[min(col, len(l)):])
		}
		if rows["feature"] != "25%" || rows["main-env"] != "" {
			t.Errorf("SHADOW column: %q\n%s", rows, out)
		}
	})

	memberToken := mintWithCLI(t, s, ns, "alice")
	writerToken := mintWithCLI(t, s, ns, "stax-shadow", "--groups", auth.DiffWriterClaim)
	member, writer := tokenClient(t, s, memberToken), tokenClient(t, s, writerToken)

	t.Run("diffs: empty before any publish, refused for a non-overlay", func(t *testing.T) {
		d, err := getDiffs(ctx, member, "feature")
		if err != nil || d.Name != "feature" || len(d.Report.Endpoints) != 0 {
			t.Fatalf("empty report: %v %+v", err, d)
		}
		_, err = getDiffs(ctx, member, "main-env")
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "main-env is not an overlay") {
			t.Fatalf("non-overlay: %v", err)
		}
		if _, err := getDiffs(ctx, member, "feature", "limit", "0"); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "limit") {
			t.Fatalf("limit 0: %v", err)
		}
	})

	updated := time.Now().Add(-time.Minute).Truncate(time.Second)
	t.Run("publish: a diff writer may, a member may not", func(t *testing.T) {
		if err := diffpublish.Publish(ctx, member, ns, "feature", feature.UID, sampleReport(updated)); !apierrors.IsForbidden(err) {
			t.Fatalf("member publishes: want 403, got %v", err)
		}
		if err := diffpublish.Publish(ctx, writer, ns, "feature", feature.UID, sampleReport(updated)); err != nil {
			t.Fatal(err)
		}
		if err := diffpublish.Publish(ctx, writer, ns, "feature", feature.UID, sampleReport(updated.Add(30*time.Second))); err != nil {
			t.Fatalf("second publish (update): %v", err)
		}
		stored, err := s.Client.StaxV1alpha1().EnvironmentDiffs(ns).Get(ctx, "feature", metav1.GetOptions{})
		if err != nil || len(stored.OwnerReferences) != 1 || stored.OwnerReferences[0].UID != feature.UID || stored.OwnerReferences[0].Kind != "Environment" {
			t.Fatalf("owner: %v %+v", err, stored.OwnerReferences)
		}
		if _, err := writer.StaxV1alpha1().Environments(ns).Patch(ctx, "feature", types.MergePatchType, []byte(`{"spec":{"displayName":"x"}}`), metav1.PatchOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("diff writer patches an environment: want 403, got %v", err)
		}
		if _, err := shadowPatch(ctx, writer, "feature", `{"enabled":false}`); !apierrors.IsForbidden(err) {
			t.Errorf("diff writer turns shadow off: want 403, got %v", err)
		}
		if err := member.StaxV1alpha1().EnvironmentDiffs(ns).Delete(ctx, "feature", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("member deletes the diff: want 403, got %v", err)
		}
		// Only an existing overlay has diffs.
		if err := diffpublish.Publish(ctx, writer, ns, "main-env", "", sampleReport(updated)); !causeAt(err, "metadata.name") {
			t.Errorf("diff of a non-overlay: %v", err)
		}
		if err := diffpublish.Publish(ctx, writer, ns, "nope", "", sampleReport(updated)); !apierrors.IsNotFound(err) {
			t.Errorf("diff of no environment: %v", err)
		}
		orphan := &staxv1.EnvironmentDiff{ObjectMeta: metav1.ObjectMeta{Name: "nope"}}
		if _, err := s.Client.StaxV1alpha1().EnvironmentDiffs(ns).Create(ctx, orphan, metav1.CreateOptions{}); !causeAt(err, "metadata.name") {
			t.Errorf("the server stores a diff of no environment: %v", err)
		}
	})

	t.Run("diffs with options", func(t *testing.T) {
		d, err := getDiffs(ctx, member, "feature")
		if err != nil {
			t.Fatal(err)
		}
		r := d.Report
		if len(r.Endpoints) != 2 || r.Endpoints[0].Endpoint != "GET /users/{id}" || r.Endpoints[0].Fields[0].Field != "body.name" ||
			r.Endpoints[0].Fields[0].RawRate != "0.2500" || r.Endpoints[0].Fields[0].Examples[0].Candidate != `"Ann"` {
			t.Fatalf("report: %+v", r)
		}
		if !r.Updated.Time.Equal(updated.Add(30 * time.Second)) {
			t.Errorf("updated %v", r.Updated)
		}
		one, err := getDiffs(ctx, member, "feature", "endpoint", "GET /health")
		if err != nil || len(one.Report.Endpoints) != 1 || one.Report.Endpoints[0].Endpoint != "GET /health" {
			t.Errorf("endpoint: %v %+v", err, one.Report.Endpoints)
		}
		limited, err := getDiffs(ctx, member, "feature", "limit", "1")
		if err != nil || len(limited.Report.Endpoints) != 1 || limited.Report.Endpoints[0].Endpoint != "GET /users/{id}" {
			t.Errorf("limit: %v %+v", err, limited.Report.Endpoints)
		}
		later, err := getDiffs(ctx, member, "feature", "since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		if err != nil || len(later.Report.Endpoints) != 0 {
			t.Errorf("since later: %v %+v", err, later.Report.Endpoints)
		}
		earlier, err := getDiffs(ctx, member, "feature", "since", updated.Add(-time.Hour).UTC().Format(time.RFC3339))
		if err != nil || len(earlier.Report.Endpoints) != 2 {
			t.Errorf("since earlier: %v %+v", err, earlier.Report.Endpoints)
		}
	})

	t.Run("the server keeps diffs within their bounds", func(t *testing.T) {
		big := &staxv1.EnvironmentDiff{ObjectMeta: metav1.ObjectMeta{Name: "feature"}}
		for i := 0; i < 101; i++ {
			big.Report.Endpoints = append(big.Report.Endpoints, staxv1.EndpointDiff{Endpoint: fmt.Sprintf("GET /e%d", i)})
		}
		current, _ := s.Client.StaxV1alpha1().EnvironmentDiffs(ns).Get(ctx, "feature", metav1.GetOptions{})
		big.ResourceVersion = current.ResourceVersion
		if _, err := s.Client.StaxV1alpha1().EnvironmentDiffs(ns).Update(ctx, big, metav1.UpdateOptions{}); !causeAt(err, "report.endpoints") {
			t.Errorf("101 endpoints: %v", err)
		}
	})

	t.Run("gateway rows", func(t *testing.T) {
		c := &restClient{t: t, base: startGateway(t, s), token: memberToken, org: ns, http: &http.Client{Timeout: time.Minute}}
		var settings staxv1.ShadowSpec
		c.do("PATCH", "/v1/environments/feature/shadow", "application/json", `{"percent":10,"ignore":{"headers":["Date"]}}`).
			expect(t, "PATCH shadow", 200, &settings)
		if *settings.Percent != 10 || !settings.Enabled || settings.Ignore.Headers[0] != "Date" || settings.Since == nil {
			t.Errorf("settings %+v", settings)
		}
		a := c.do("PATCH", "/v1/environments/feature/shadow", "application/json", `{"percentage":10}`).expect(t, "unknown field", 422, nil)
		if causeFields(a) != "spec.shadow" {
			t.Errorf("unknown field: causes %s", causeFields(a))
		}
		a = c.do("PATCH", "/v1/environments/feature/shadow", "application/json", `{"methods":["DELETE"]}`).expect(t, "unsafe", 422, nil)
		if causeFields(a) != "spec.shadow.methods[0]" {
			t.Errorf("unsafe: causes %s", causeFields(a))
		}
		c.do("PATCH", "/v1/environments/main-env/shadow", "application/json", `{"enabled":true}`).expect(t, "non-overlay", 422, nil)
		var d staxv1.EnvironmentDiff
		c.do("GET", "/v1/environments/feature/diffs?since=2h&limit=1", "", "").expect(t, "GET diffs", 200, &d)
		if len(d.Report.Endpoints) != 1 || d.Report.Endpoints[0].Endpoint != "GET /users/{id}" {
			t.Errorf("diffs %+v", d.Report)
		}
		c.do("GET", "/v1/environments/feature/diffs?endpoint=GET%20/health", "", "").expect(t, "GET diffs of an endpoint", 200, &d)
		if len(d.Report.Endpoints) != 1 || d.Report.Endpoints[0].Endpoint != "GET /health" {
			t.Errorf("diffs %+v", d.Report)
		}
		c.do("GET", "/v1/environments/main-env/diffs", "", "").expect(t, "diffs of a non-overlay", 400, nil)
		c.do("GET", "/v1/environments/nope/diffs", "", "").expect(t, "diffs of nothing", 404, nil)
	})

	t.Run("kubectl stax shadow and diffs", func(t *testing.T) {
		pluginBinaries(t)
		kc := tokenKubeconfig(t, s, memberToken)
		expectStax(t, kc, "", 0, []string{"shadow of acme/feature: on, 40% of GET, HEAD, OPTIONS to every service it changes, since "},
			"shadow", "feature", "--percent", "40")
		expectStax(t, kc, "", 0, []string{"shadow of acme/feature: on, 40% of GET, POST to api"},
			"shadow", "feature", "--methods", "get,post", "--allow-unsafe", "--services", "api")
		expectStax(t, kc, "", 1, []string{`environment "feature" is invalid:`, "* spec.shadow.methods[1]: Forbidden: PUT changes state"},
			"shadow", "feature", "--methods", "GET,PUT", "--allow-unsafe=false")
		expectStax(t, kc, "", 1, []string{"* spec.shadow: Forbidden: shadow traffic is mirrored from a baseline to an overlay"}, "shadow", "main-env", "--percent", "5")
		expectStax(t, kc, "", 2, []string{"--off takes no other setting"}, "shadow", "feature", "--off", "--percent", "5")
		expectStax(t, kc, "", 0, []string{"shadow of acme/feature: off"}, "shadow", "feature", "--off")

		res := expectStax(t, kc, "", 0, []string{"Diffs of overlay acme/feature against its baseline",
			"GET /users/{id}: 200 requests, 1 fields differ", "body.name", "Difference", "50 (25%)", "0 (0%)",
			`body.name at GET /users/7: baseline "ann", overlay "Ann"`, "GET /health: 50 requests, 0 fields differ", "header:Date"},
			"diffs", "feature")
		if strings.Index(res.stdout, "GET /users/{id}") > strings.Index(res.stdout, "GET /health") {
			t.Errorf("the endpoint with a difference is not first:\n%s", res.stdout)
		}
		res = expectStax(t, kc, "", 0, nil, "diffs", "feature", "--endpoint", "GET /health", "-o", "json")
		var d staxv1.EnvironmentDiff
		if err := json.Unmarshal([]byte(res.stdout), &d); err != nil || d.Kind != "EnvironmentDiff" || len(d.Report.Endpoints) != 1 {
			t.Errorf("-o json: %v\n%s", err, res.stdout)
		}
		expectStax(t, kc, "", 0, []string{"kind: EnvironmentDiff", "endpoint: GET /users/{id}"}, "diffs", "feature", "-o", "yaml")
		expectStax(t, kc, "", 0, []string{"No diffs of overlay acme/feature"}, "diffs", "feature", "--since", "-1h")
		expectStax(t, kc, "", 1, []string{"main-env is not an overlay"}, "diffs", "main-env")
		expectStax(t, kc, "", 1, []string{`environment "nope" not found`}, "diffs", "nope")
		expectStax(t, kc, "", 2, []string{"unknown output format"}, "diffs", "feature", "-o", "wide")
	})

	t.Run("a diff outlives neither its overlay nor is taken by the next", func(t *testing.T) {
		// Being deleted (a finalizer holds it): no new writes.
		if _, err := envs.Patch(ctx, "feature", types.MergePatchType, []byte(`{"metadata":{"finalizers":["test/hold"]}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := envs.Delete(ctx, "feature", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := diffpublish.Publish(ctx, writer, ns, "feature", feature.UID, sampleReport(updated)); !apierrors.IsConflict(err) {
			t.Errorf("publish to an overlay being deleted: want 409, got %v", err)
		}
		if _, err := envs.Patch(ctx, "feature", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		// A store-only server runs no controller, so the diff stays; a new
		// overlay of the same name does not inherit it.
		if _, err := s.Client.StaxV1alpha1().Baselines(ns).CreateOverlay(ctx, "main", overlayRequest("feature",
			staxv1.ServiceChange{Name: "api", Image: "api:3"}), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		d, err := getDiffs(ctx, member, "feature")
		if err != nil || len(d.Report.Endpoints) != 0 {
			t.Errorf("the new overlay sees the old one's diffs: %v %+v", err, d.Report)
		}
		// A front of the old overlay, still running, writes nothing into
		// the new one's diff: refused by its uid before the write, and by
		// the server if it names the old overlay as owner.
		if err := diffpublish.Publish(ctx, writer, ns, "feature", feature.UID, sampleReport(updated)); !apierrors.IsNotFound(err) {
			t.Errorf("publish for the deleted overlay: want 404, got %v", err)
		}
		stale, err := s.Client.StaxV1alpha1().EnvironmentDiffs(ns).Get(ctx, "feature", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		stale.Report.Endpoints = nil
		if _, err := writer.StaxV1alpha1().EnvironmentDiffs(ns).Update(ctx, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) || !strings.Contains(err.Error(), string(feature.UID)) {
			t.Errorf("the server takes a write naming the deleted overlay as owner: want 409, got %v", err)
		}
		// The new overlay's front replaces the diff, and owns it.
		if err := diffpublish.Publish(ctx, writer, ns, "feature", "", sampleReport(updated)); err != nil {
			t.Fatal(err)
		}
		stored, _ := s.Client.StaxV1alpha1().EnvironmentDiffs(ns).Get(ctx, "feature", metav1.GetOptions{})
		if stored.OwnerReferences[0].UID == feature.UID {
			t.Errorf("the diff still names the old overlay as its owner")
		}
		next := stored.DeepCopy()
		next.ResourceVersion = ""
		if err := s.Client.StaxV1alpha1().EnvironmentDiffs(ns).Delete(ctx, "feature", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		next.OwnerReferences[0].UID = feature.UID
		if _, err := writer.StaxV1alpha1().EnvironmentDiffs(ns).Create(ctx, next, metav1.CreateOptions{}); !apierrors.IsConflict(err) {
			t.Errorf("the server creates a diff naming the deleted overlay as owner: want 409, got %v", err)
		}
	})
}

func ptrTo[T any](v T) *T { return &v }
