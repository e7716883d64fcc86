package gateway

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var baselineKind = schema.GroupKind{Group: "stax.microstax.ai", Kind: "Baseline"}

// exampleBaseline promotes the environment of exampleEnvironment, once it
// is Ready.
var exampleBaseline = map[string]any{"name": "shop-stable", "environment": "shop"}

// exampleOverlay branches from exampleBaseline: its web with one more
// variable, and a new service.
var exampleOverlay = map[string]any{
	"name": "shop-feature",
	"services": []any{
		map[string]any{"name": "web", "env": []any{map[string]any{"name": "FEATURE_CHECKOUT", "value": "on"}}},
		map[string]any{"name": "mailer", "command": []any{"sleep", "infinity"}, "dependsOn": []any{"web"}},
	},
}

var baselineRoutes = []*Route{
	{Method: "POST", Path: "/v1/baselines", Tag: tagBranching, Summary: "Promote a Ready environment to a stable baseline (its blueprint is frozen)",
		Call: "create baselines", Success: 201, Errors: []int{409, 413, 415, 422}, Body: "BaselineRequest", Example: exampleBaseline,
		Data: schemaBaseline, Headers: []string{"Location"}, serve: createBaseline},
	{Method: "GET", Path: "/v1/baselines", Tag: tagBranching, Summary: "List baselines",
		Call: "list baselines", Success: 200, Errors: []int{410},
		Query: []Param{{"limit", "integer", "page size"}, {"continue", "string", "token of the next page (metadata.continue)"}},
		Data:  schemaBaselineList, serve: listBaselines},
	{Method: "GET", Path: "/v1/baselines/{id}", Tag: tagBranching, Summary: "Retrieve a baseline: its frozen blueprint, phase and overlays",
		Call: "get baselines", Success: 200, Errors: []int{404}, Data: schemaBaseline, serve: getBaseline},
	{Method: "POST", Path: "/v1/baselines/{id}/overlays", Tag: tagBranching,
		Summary: "Create a branch environment (overlay) from a baseline: it runs only the services it changes or adds; " +
			"its progress is on WS /v1/environments/{name}/progress",
		Call: "create baselines/overlays", Success: 202, Errors: []int{404, 409, 413, 415, 422}, Body: "OverlayRequest", Example: exampleOverlay,
		Data: schemaEnvironment, Headers: []string{"Location"}, serve: createOverlay},
}

// baselineBody turns {name, environment} into a Baseline of org. Each
// field must be a string; any other field is refused with its path.
func baselineBody(fields map[string]json.RawMessage, org string) ([]byte, error) {
	var errs field.ErrorList
	values := map[string]string{}
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		if key != "name" && key != "environment" {
			errs = append(errs, field.NotSupported(field.NewPath(key), key, []string{"name", "environment"}))
			continue
		}
		var v string
		if err := json.Unmarshal(fields[key], &v); err != nil {
			errs = append(errs, field.Invalid(field.NewPath(key), string(fields[key]), "must be a string"))
		}
		values[key] = v
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(baselineKind, values["name"], errs)
	}
	// The apiserver checks the names (and that the environment is Ready).
	return json.Marshal(map[string]any{
		"apiVersion": "stax.microstax.ai/v1alpha1", "kind": "Baseline",
		"metadata": map[string]any{"name": values["name"], "namespace": org},
		"spec":     map[string]any{"environmentRef": map[string]any{"name": values["environment"]}},
	})
}

func createBaseline(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	body, err := baselineBody(fields, r.org)
	if err != nil {
		return err
	}
	data, err := raw(r.ctx(), g.up.baselines(http.MethodPost, r.org).Param("fieldValidation", strict).Body(body))
	if err != nil {
		return err
	}
	r.writeCreated(http.StatusCreated, "/v1/baselines", data)
	return nil
}

func listBaselines(g *Gateway, r *request) error {
	req := g.up.baselines(http.MethodGet, r.org)
	for _, p := range []string{"limit", "continue"} {
		if v := r.r.URL.Query().Get(p); v != "" {
			req = req.Param(p, v)
		}
	}
	return r.forward(req, http.StatusOK)
}

func getBaseline(g *Gateway, r *request) error {
	return r.forward(g.up.baselines(http.MethodGet, r.org).Name(r.name()), http.StatusOK)
}

// overlayBody turns a request body into the OverlayRequest of baselines/
// overlays: a whole manifest (kind: OverlayRequest) as it is, or the short
// form {name, displayName, autoShutdown, services}, which is its spec.
// The apiserver validates, strictly.
func overlayBody(fields map[string]json.RawMessage) ([]byte, error) {
	if _, manifest := fields["kind"]; manifest {
		return json.Marshal(fields)
	}
	return json.Marshal(map[string]any{
		"apiVersion": "stax.microstax.ai/v1alpha1", "kind": "OverlayRequest", "spec": fields,
	})
}

// createOverlay answers 202 with the overlay Environment, as a create of
// an environment does: it is provisioned from then on.
func createOverlay(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	body, err := overlayBody(fields)
	if err != nil {
		return err
	}
	data, err := raw(r.ctx(), g.up.baselines(http.MethodPost, r.org).Name(r.name()).SubResource("overlays").
		Param("fieldValidation", strict).Body(body))
	if err != nil {
		return err
	}
	r.writeCreated(http.StatusAccepted, "/v1/environments", data)
	return nil
}
