package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// exampleStub is a whole (small) OpenAPI document: the body of
// POST /v1/stubs/generate is the document itself.
var exampleStub = map[string]any{
	"openapi": "3.0.3",
	"info":    map[string]any{"title": "Greetings", "version": "1.0.0"},
	"paths": map[string]any{"/greetings/{name}": map[string]any{"get": map[string]any{
		"operationId": "greet",
		"parameters":  []any{map[string]any{"name": "name", "in": "path", "required": true, "schema": map[string]any{"type": "string"}}},
		"responses": map[string]any{"200": map[string]any{"description": "a greeting", "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"type": "object", "required": []any{"text"},
				"properties": map[string]any{"text": map[string]any{"type": "string", "example": "Hello"}}}}}}},
	}}},
}

var stubRoutes = []*Route{
	{Method: "POST", Path: "/v1/stubs/generate", Tag: tagAITools,
		Summary: "Generate a service stub from an OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML, the whole body; " +
			"larger than other bodies may be, up to the apiserver's --max-stub-document-bytes): the Stub lists the " +
			"document's operations, warnings and errors; stax-stub serves it",
		Call: "create stubs, then put stubs/document", Success: 201, Errors: []int{413, 422}, Body: "StubDocument", Example: exampleStub,
		Query: []Param{{"name", "string", "name of the Stub (default: generated)"},
			{"seed", "integer", "seed of generated values"}, {"stateful", "boolean", "answer GETs with what POST and PUT stored"}},
		Data: schemaStub, Headers: []string{"Location"}, serve: generateStub},
}

// generateStub creates the Stub and streams the body to its document
// subresource, which stores it in chunks and parses it; a document the
// subresource refuses takes the Stub with it.
func generateStub(g *Gateway, r *request) error {
	q := r.r.URL.Query()
	meta := map[string]any{"namespace": r.org}
	if n := q.Get("name"); n != "" {
		meta["name"] = n
	} else {
		meta["generateName"] = "stub-"
	}
	spec := map[string]any{}
	if v := q.Get("seed"); v != "" {
		seed, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return invalid("", field.Invalid(field.NewPath("seed"), v, "must be an integer"))
		}
		spec["seed"] = seed
	}
	if v := q.Get("stateful"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return invalid("", field.Invalid(field.NewPath("stateful"), v, "must be true or false"))
		}
		spec["stateful"] = b
	}
	body, _ := json.Marshal(map[string]any{"apiVersion": "stax.microstax.ai/v1alpha1", "kind": "Stub", "metadata": meta, "spec": spec})
	data, err := raw(r.ctx(), g.up.stubs(http.MethodPost, r.org).Param("fieldValidation", strict).Body(body))
	if err != nil {
		return err
	}
	var created metav1.PartialObjectMetadata
	if err := json.Unmarshal(data, &created); err != nil {
		return err
	}
	data, err = raw(r.ctx(), g.up.stubs(http.MethodPut, r.org).Name(created.Name).SubResource("document").
		SetHeader("Content-Type", "application/octet-stream").Body(r.r.Body))
	if err != nil {
		_, _ = raw(r.ctx(), g.up.stubs(http.MethodDelete, r.org).Name(created.Name))
		return err
	}
	r.w.Header().Set("Location", "/apis/stax.microstax.ai/v1alpha1/namespaces/"+r.org+"/stubs/"+created.Name)
	r.writeData(http.StatusCreated, data)
	return nil
}
