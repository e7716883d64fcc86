package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

var (
	schemaShadow          = staxv1.ShadowSpec{}.OpenAPIModelName()
	schemaEnvironmentDiff = staxv1.EnvironmentDiff{}.OpenAPIModelName()
)

// exampleShadow mirrors a quarter of the GETs to the web service of
// exampleOverlay, for an hour at most, ignoring what is noise by design.
var exampleShadow = map[string]any{
	"enabled": true, "percent": 25, "services": []any{"web"}, "methods": []any{"GET", "HEAD"},
	"ignore": map[string]any{"headers": []any{"Date"}, "fields": []any{"body.requestId"}},
	"limit":  map[string]any{"duration": "1h", "requests": 5000},
}

var branchingRoutes = []*Route{
	{Method: "PATCH", Path: "/v1/environments/{id}/shadow", Tag: tagBranching,
		Summary: "Enable or disable behavioural traffic mirroring from the baseline to an overlay (the fields sent replace the stored ones)",
		Call:    "patch environments/shadow (merge patch of spec.shadow)", Success: 200, Errors: []int{404, 409, 413, 415, 422},
		Body: schemaShadow, Example: exampleShadow, Data: schemaShadow, serve: patchShadow},
	{Method: "GET", Path: "/v1/environments/{id}/diffs", Tag: tagBranching,
		Summary: "Behavioural diffs, overlay vs baseline: per endpoint, requests compared and per field raw and noise counts, " +
			"rates, a verdict and examples (empty until mirroring compared a request)",
		Call: "get environments/diffs", Success: 200, Errors: []int{404},
		Query: []Param{{"endpoint", "string", `one endpoint, as the report names it ("GET /users/{id}")`},
			{"since", "string", "endpoints compared since: an RFC 3339 time or a duration back from now (15m)"},
			{"limit", "integer", "at most this many endpoints, those with a difference first"}},
		Data: schemaEnvironmentDiff, serve: environmentDiffs},
}

// patchShadow merges the settings of the body into the overlay's
// spec.shadow through its subresource, which judges them (an overlay only,
// services it changes, unsafe methods with allowUnsafe); it answers the
// settings as stored, defaults and since included.
func patchShadow(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	settings, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	// Unknown fields and wrong types are refused here, with the field's
	// path: the apiserver's strict merge patch would quote the whole
	// Environment in its message.
	dec := json.NewDecoder(bytes.NewReader(settings))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&staxv1.ShadowSpec{}); err != nil {
		return apierrors.NewInvalid(envKind, r.name(), field.ErrorList{
			field.Invalid(field.NewPath("spec", "shadow"), string(settings), strings.TrimPrefix(err.Error(), "json: "))})
	}
	var body bytes.Buffer
	body.WriteString(`{"spec":{"shadow":`)
	body.Write(settings)
	body.WriteString(`}}`)
	var env staxv1.Environment
	if err := into(r.ctx(), g.up.environments(http.MethodPatch, r.org).Name(r.name()).SubResource("shadow").
		SetHeader("Content-Type", string(types.MergePatchType)).Param("fieldValidation", strict).Body(body.Bytes()), &env); err != nil {
		return err
	}
	return r.writeValue(http.StatusOK, env.Spec.Shadow)
}

// environmentDiffs answers the overlay's diffs. since may be a duration
// back from now; every value goes through for the apiserver to judge.
func environmentDiffs(g *Gateway, r *request) error {
	in := r.r.URL.Query()
	req := g.up.environments(http.MethodGet, r.org).Name(r.name()).SubResource("diffs")
	if v := in.Get("since"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			v = time.Now().Add(-d).UTC().Format(time.RFC3339)
		}
		req.Param("since", v)
	}
	for _, k := range []string{"endpoint", "limit"} {
		if v := in.Get(k); v != "" {
			req.Param(k, v)
		}
	}
	return r.forward(req, http.StatusOK)
}
