package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/auth"
)

// Every example request body of the served OpenAPI document is accepted
// by the server with the operation's documented success status. (That each
// example validates against its schema is checked outside Go, by
// web/openapi-check.mjs in hack/gateway-smoke.sh.)
//
// The server only stores: the example blueprint is for reading (its web
// service listens on 8080, not on the PORT the local runtime hands it, so
// it would never be Ready here). The promotion example needs a Ready
// environment, so the test writes that status itself, as the controller
// would, just before it.
func TestOpenAPIExamplesAreAccepted(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	base := startGateway(t, s)
	c := &restClient{t: t, base: base, token: mintWithCLI(t, s, ns, "alice", "--groups", auth.OrganizationAdminClaim), org: ns, http: &http.Client{Timeout: time.Minute}}

	resp, err := http.Get(base + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Content map[string]struct {
					Example json.RawMessage `json:"example"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}

	type example struct {
		method, path string
		body         json.RawMessage
		success      int
	}
	var examples []example
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.RequestBody == nil || op.RequestBody.Content["application/json"].Example == nil {
				continue
			}
			success := 0
			for code := range op.Responses {
				if n, _ := strconv.Atoi(code); n >= 200 && n < 300 {
					success = n
				}
			}
			examples = append(examples, example{strings.ToUpper(method), path, op.RequestBody.Content["application/json"].Example, success})
		}
	}
	// The create first: the examples of an environment's routes act on the
	// environment the create example makes. The promotion after them: it
	// needs that environment Ready. The examples of a baseline's routes
	// next: they act on the baseline the promotion makes. Shadow settings
	// last: they act on the overlay the baseline's example makes.
	promotes := func(ex example) bool { return ex.method == "POST" && ex.path == "/v1/baselines" }
	ofBaseline := func(ex example) bool { return strings.HasPrefix(ex.path, "/v1/baselines/{id}") }
	ofOverlay := func(ex example) bool { return ex.path == "/v1/environments/{id}/shadow" }
	stage := func(ex example) int {
		switch {
		case ofOverlay(ex):
			return 3
		case ofBaseline(ex):
			return 2
		case promotes(ex):
			return 1
		}
		return 0
	}
	sort.Slice(examples, func(i, j int) bool {
		if stage(examples[i]) != stage(examples[j]) {
			return stage(examples[i]) < stage(examples[j])
		}
		return !strings.Contains(examples[i].path, "{id}") && strings.Contains(examples[j].path, "{id}") ||
			strings.Contains(examples[i].path, "{id}") == strings.Contains(examples[j].path, "{id}") && examples[i].path < examples[j].path
	})
	if len(examples) < 6 {
		t.Fatalf("%d examples in the document, want one for each request body (6)", len(examples))
	}
	var created, promoted, overlaid struct {
		Metadata struct{ Name string } `json:"metadata"`
	}
	for _, ex := range examples {
		t.Run(ex.method+" "+ex.path, func(t *testing.T) {
			path := strings.ReplaceAll(ex.path, "{id}", created.Metadata.Name)
			if ofBaseline(ex) {
				path = strings.ReplaceAll(ex.path, "{id}", promoted.Metadata.Name)
			}
			if ofOverlay(ex) {
				path = strings.ReplaceAll(ex.path, "{id}", overlaid.Metadata.Name)
			}
			if promotes(ex) {
				// Only a Ready environment is promoted.
				env, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, created.Metadata.Name, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				env.Status.Phase, env.Status.ObservedGeneration = staxv1.EnvironmentReady, env.Generation
				if _, err := s.Client.StaxV1alpha1().Environments(ns).UpdateStatus(ctx, env, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			a := c.in(t).do(ex.method, path, "application/json", string(ex.body)).expect(t, "example", ex.success, nil)
			if ex.method == "POST" && ex.path == "/v1/environments" {
				if err := json.Unmarshal(a.Data, &created); err != nil || created.Metadata.Name == "" {
					t.Fatalf("the create example made no environment: %v %s", err, a.Data)
				}
			}
			if promotes(ex) {
				if err := json.Unmarshal(a.Data, &promoted); err != nil || promoted.Metadata.Name == "" {
					t.Fatalf("the promotion example made no baseline: %v %s", err, a.Data)
				}
			}
			if ex.path == "/v1/baselines/{id}/overlays" {
				if err := json.Unmarshal(a.Data, &overlaid); err != nil || overlaid.Metadata.Name == "" {
					t.Fatalf("the overlay example made no overlay: %v %s", err, a.Data)
				}
			}
		})
	}
	if created.Metadata.Name == "" {
		t.Fatal("no example created an environment")
	}
	env, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, created.Metadata.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if env.Spec.DisplayName != "Shop, review" || len(env.Spec.Blueprint.Services) != 2 {
		t.Errorf("after the examples: displayName %q, %d services", env.Spec.DisplayName, len(env.Spec.Blueprint.Services))
	}
}
