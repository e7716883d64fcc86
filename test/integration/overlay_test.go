package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func overlayRequest(name string, services ...staxv1.ServiceChange) *staxv1.OverlayRequest {
	return &staxv1.OverlayRequest{
		TypeMeta: metav1.TypeMeta{APIVersion: staxv1.SchemeGroupVersion.String(), Kind: "OverlayRequest"},
		Spec:     staxv1.OverlayRequestSpec{Name: name, Services: services},
	}
}

// TestOverlays creates overlays of a Baseline through baselines/overlays:
// with client-go's RESTClient and typed client, and with kubectl create
// --raw; then every refusal with its code and field path.
func TestOverlays(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	b := storedBaseline(t, s, "main") // main-env: db, api -> db
	rc := s.Client.StaxV1alpha1().RESTClient()
	post := func(baseline string, body any) (*staxv1.Environment, int, error) {
		var code int
		env := &staxv1.Environment{}
		err := rc.Post().Namespace(ns).Resource("baselines").Name(baseline).SubResource("overlays").
			Body(body).Do(ctx).StatusCode(&code).Into(env)
		return env, code, err
	}

	t.Run("RESTClient: 201 and the merged Environment", func(t *testing.T) {
		env, code, err := post("main", overlayRequest("feature",
			staxv1.ServiceChange{Name: "api", Image: "api:2", Env: []staxv1.EnvVar{{Name: "FEATURE", Value: "on"}}, Replicas: ptr.To[int32](2)},
			staxv1.ServiceChange{Name: "cache", Image: "redis:7", Ports: []staxv1.ServicePort{{Name: "tcp", Port: 6379}}, DependsOn: []string{"db"}}))
		if err != nil || code != http.StatusCreated {
			t.Fatalf("%d %v", code, err)
		}
		if env.Spec.BaselineRef == nil || env.Spec.BaselineRef.Name != "main" || len(env.Spec.Blueprint.Services) != 2 {
			t.Fatalf("spec %+v", env.Spec)
		}
		api, frozenAPI := env.Spec.Blueprint.Services[0], b.Status.Blueprint.Services[1]
		if api.Image != "api:2" || api.Command[0] != frozenAPI.Command[0] || api.DependsOn[0] != "db" ||
			api.Health == nil || *api.Replicas != 2 || api.Env[len(api.Env)-1].Name != "FEATURE" {
			t.Errorf("api is not the baseline's with the changes: %+v", api)
		}
		if cache := env.Spec.Blueprint.Services[1]; *cache.Replicas != 1 || cache.Ports[0].Protocol != staxv1.ProtocolTCP {
			t.Errorf("a new service is defaulted as one sent directly: %+v", cache)
		}
		// It is stored: an Environment like any other.
		got, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, "feature", metav1.GetOptions{})
		if err != nil || got.UID != env.UID {
			t.Fatalf("stored overlay: %v", err)
		}
	})

	t.Run("typed client", func(t *testing.T) {
		env, err := s.Client.StaxV1alpha1().Baselines(ns).CreateOverlay(ctx, "main",
			overlayRequest("typed", staxv1.ServiceChange{Name: "db", Image: "postgres:17"}), metav1.CreateOptions{})
		if err != nil || env.Spec.Blueprint.Services[0].Image != "postgres:17" {
			t.Fatalf("%v %+v", err, env)
		}
	})

	t.Run("kubectl create --raw", func(t *testing.T) {
		body, _ := json.Marshal(overlayRequest("raw", staxv1.ServiceChange{Name: "api", Command: []string{"./api-v2"}}))
		file := filepath.Join(t.TempDir(), "request.json")
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}
		path := "/apis/stax.microstax.ai/v1alpha1/namespaces/" + ns + "/baselines/main/overlays"
		out := mustKubectl(t, s, "", "create", "--raw", path, "-f", file)
		var env staxv1.Environment
		if err := json.Unmarshal([]byte(out), &env); err != nil || env.Kind != "Environment" || env.Name != "raw" ||
			env.Spec.Blueprint.Services[0].Command[0] != "./api-v2" {
			t.Fatalf("answer %q: %v", out, err)
		}
		table := mustKubectl(t, s, "", "get", "environments", "raw")
		if !strings.Contains(table, "raw") {
			t.Errorf("kubectl get: %s", table)
		}
		// A refusal through kubectl: the Status with its field path.
		refused, _ := json.Marshal(overlayRequest("raw-2", staxv1.ServiceChange{Name: "api", Ports: []staxv1.ServicePort{{Name: "x", Port: 1}}}))
		if err := os.WriteFile(file, refused, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := kubectl(t, s, "", "create", "--raw", path, "-f", file)
		if err == nil || !strings.Contains(out, "spec.services[0].ports") || !strings.Contains(out, "keeps its ports") {
			t.Fatalf("want the refusal naming spec.services[0].ports, got %v: %s", err, out)
		}
	})

	t.Run("kubectl explain", func(t *testing.T) {
		// A subresource's kind has no resource of its own to explain by;
		// its fields are in the OpenAPI document.
		out, err := kubectl(t, s, "", "explain", "overlayrequests")
		t.Logf("kubectl explain overlayrequests: %v\n%s", err, out)
		if err == nil || !strings.Contains(out, "overlayrequests") {
			t.Errorf("want kubectl to find no resource to explain, got %v: %s", err, out)
		}
		var discovery metav1.APIResourceList
		if err := json.Unmarshal([]byte(mustKubectl(t, s, "", "get", "--raw", "/apis/stax.microstax.ai/v1alpha1")), &discovery); err != nil {
			t.Fatal(err)
		}
		served := false
		for _, r := range discovery.APIResources {
			if r.Name == "baselines/overlays" {
				served = r.Kind == "OverlayRequest" && r.Namespaced && strings.Join(r.Verbs, ",") == "create"
				t.Logf("discovery: %+v", r)
			}
		}
		if !served {
			t.Errorf("discovery lacks baselines/overlays (kind OverlayRequest, verb create): %+v", discovery.APIResources)
		}
		out = mustKubectl(t, s, "", "get", "--raw", "/openapi/v3/apis/stax.microstax.ai/v1alpha1")
		for _, want := range []string{"ServiceChange", "OverlayRequestSpec", "Env is merged by name"} {
			if !strings.Contains(out, want) {
				t.Errorf("the OpenAPI document lacks %q", want)
			}
		}
	})

	change := staxv1.ServiceChange{Name: "api", Image: "api:3"}
	for _, tc := range []struct {
		name     string
		baseline string
		body     any
		code     int
		field    string
		message  string
	}{
		{"an unknown baseline", "nope", overlayRequest("x", change), http.StatusNotFound, "", `baselines.stax.microstax.ai "nope" not found`},
		{"an empty change list", "main", overlayRequest("x"), http.StatusUnprocessableEntity, "spec.services", "at least one service"},
		{"no name", "main", overlayRequest("", change), http.StatusUnprocessableEntity, "spec.name", "Required value"},
		{"a field a baseline service keeps", "main", overlayRequest("x", staxv1.ServiceChange{Name: "db", DependsOn: []string{"api"}}),
			http.StatusUnprocessableEntity, "spec.services[0].dependsOn", "keeps its dependsOn"},
		{"a change that changes nothing", "main", overlayRequest("x", staxv1.ServiceChange{Name: "db"}),
			http.StatusUnprocessableEntity, "spec.services[0]", "at least one of image"},
		{"an incomplete new service", "main", overlayRequest("x", staxv1.ServiceChange{Name: "cache", Replicas: ptr.To[int32](1)}),
			http.StatusUnprocessableEntity, "spec.services[0].image", `the baseline has no service "cache"`},
		// The Environment's own validation (of its union with the
		// baseline), with the Environment's paths.
		{"a dependency neither has", "main", overlayRequest("x", staxv1.ServiceChange{Name: "cache", Image: "c:1", DependsOn: []string{"redis"}}),
			http.StatusUnprocessableEntity, "spec.blueprint.services[0].dependsOn[0]", `Environment.stax.microstax.ai "x" is invalid`},
		{"a name already taken", "main", overlayRequest("feature", change), http.StatusConflict, "", `environments.stax.microstax.ai "feature" already exists`},
		{"the name of the baseline's environment", "main", overlayRequest("main-env", change), http.StatusConflict, "", "already exists"},
		{"another metadata.name", "main", func() *staxv1.OverlayRequest {
			r := overlayRequest("x", change)
			r.Name = "other"
			return r
		}(), http.StatusUnprocessableEntity, "metadata.name", "name of the baseline (main)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, code, err := post(tc.baseline, tc.body)
			if code != tc.code || !strings.Contains(err.Error(), tc.message) || (tc.field != "" && !hasCause(err, tc.field)) {
				t.Fatalf("want %d naming %q at %q, got %d: %v", tc.code, tc.message, tc.field, code, err)
			}
		})
	}

	t.Run("through the gateway", func(t *testing.T) {
		if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
			ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		c := &restClient{t: t, base: startGateway(t, s), token: mintWithCLI(t, s, ns, "alice"), org: ns, http: &http.Client{Timeout: time.Minute}}
		var env staxv1.Environment
		a := c.do("POST", "/v1/baselines/main/overlays", "application/json",
			`{"name":"gw","services":[{"name":"api","env":[{"name":"FEATURE","value":"on"}]}]}`).expect(t, "create overlay", 202, &env)
		if a.Header.Get("Location") != "/v1/environments/gw" || env.Spec.BaselineRef.Name != "main" ||
			env.Annotations[staxv1.AnnotationCreatedBy] != "alice" {
			t.Fatalf("created: Location %q, %+v", a.Header.Get("Location"), env.ObjectMeta)
		}
		// Its progress on the environments' stream: the controller's status
		// writes, made here by hand (no controller runs).
		progress := c.dial("/v1/environments/gw/progress")
		env.Status.Phase, env.Status.ObservedGeneration = staxv1.EnvironmentReady, env.Generation
		if _, err := s.Client.StaxV1alpha1().Environments(ns).UpdateStatus(ctx, &env, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		followProgress(t, progress, staxv1.EnvironmentReady)

		// The manifest form, YAML.
		c.do("POST", "/v1/baselines/main/overlays", "application/yaml",
			"kind: OverlayRequest\napiVersion: stax.microstax.ai/v1alpha1\nspec:\n  name: gw-yaml\n  services:\n  - name: db\n    replicas: 0\n").
			expect(t, "a manifest", 202, nil)
		for _, tc := range []struct {
			what, path, body string
			status           int
			field            string
		}{
			{"unknown baseline", "/v1/baselines/nope/overlays", `{"name":"x","services":[{"name":"api","image":"a:2"}]}`, 404, ""},
			{"name taken", "/v1/baselines/main/overlays", `{"name":"gw","services":[{"name":"api","image":"a:2"}]}`, 409, ""},
			{"no change", "/v1/baselines/main/overlays", `{"name":"x","services":[]}`, 422, "spec.services"},
			{"a field not allowed", "/v1/baselines/main/overlays", `{"name":"x","services":[{"name":"api","ports":[{"name":"h","port":1}]}]}`, 422, "spec.services[0].ports"},
			{"an unknown field", "/v1/baselines/main/overlays", `{"name":"x","services":[{"name":"api","volumes":[]}]}`, 400, ""},
		} {
			a := c.do("POST", tc.path, "application/json", tc.body).expect(t, tc.what, tc.status, nil)
			if tc.field != "" && (a.Error.Details == nil || len(a.Error.Details.Causes) == 0 || a.Error.Details.Causes[0].Field != tc.field) {
				t.Errorf("%s: want a cause at %s, got %+v", tc.what, tc.field, a.Error)
			}
		}
	})

	t.Run("a baseline being deleted", func(t *testing.T) {
		storedBaseline(t, s, "old")
		// No overlay depends on it: its deletion begins, and its finalizer
		// holds it (no controller runs here to remove it).
		if err := s.Client.StaxV1alpha1().Baselines(ns).Delete(ctx, "old", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		_, code, err := post("old", overlayRequest("late", change))
		if code != http.StatusConflict || !strings.Contains(err.Error(), "being deleted") {
			t.Fatalf("want 409, got %d: %v", code, err)
		}
		if _, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, "late", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("an overlay of a baseline being deleted was stored: %v", err)
		}
	})

	t.Run("overlays hold their baseline", func(t *testing.T) {
		err := s.Client.StaxV1alpha1().Baselines(ns).Delete(ctx, "main", metav1.DeleteOptions{})
		if !conflictNaming(err, "feature", "raw", "typed") {
			t.Fatalf("want 409 listing the overlays, got %v", err)
		}
	})
}
