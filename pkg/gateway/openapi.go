package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// openAPIDocument is the OpenAPI 3.1 document of Routes: the same table
// that serves requests, so the two cannot drift.
var openAPIDocument = sync.OnceValue(func() []byte {
	paths := map[string]map[string]any{}
	for _, rt := range Routes {
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.pattern()[:strings.IndexByte(rt.pattern(), ' ')])] = operation(rt)
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "MicroStax API",
			"version": "v1",
			"description": "The /v1 REST API, a thin translation over the stax.microstax.ai aggregated API. " +
				"Every JSON answer is an envelope {data, meta}; refusals are {error, meta} with the Kubernetes Status reason and causes.",
		},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearer": []any{}, "organization": []any{}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":       map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT (ES256 + ML-DSA-65)"},
				"organization": map[string]any{"type": "apiKey", "in": "header", "name": OrganizationHeader},
			},
			"schemas": schemas,
		},
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // the document is static: a failure is a programming error
	}
	return data
})

func operation(rt *Route) map[string]any {
	op := map[string]any{
		"summary":     rt.Summary,
		"description": "apiserver call: " + rt.Call,
		"operationId": operationID(rt),
		"responses":   responses(rt),
	}
	var params []any
	if strings.Contains(rt.Path, "{id}") {
		params = append(params, map[string]any{"name": "id", "in": "path", "required": true,
			"description": "the environment's name", "schema": map[string]any{"type": "string"}})
	}
	for _, p := range rt.Query {
		params = append(params, map[string]any{"name": p.Name, "in": "query", "description": p.Description,
			"schema": map[string]any{"type": p.Type}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Body != "" {
		ref := map[string]any{"schema": schemaRef(rt.Body)}
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": ref, "application/yaml": ref}}
	}
	if rt.Method == MethodWebSocket {
		op["description"] = "WebSocket (GET with Upgrade: websocket). Browsers send the token as the subprotocol " +
			wsTokenProtocolPrefix + "<base64url token> together with " + WebSocketProtocol +
			" and the organization as ?organization=. " + op["description"].(string)
	}
	return op
}

func operationID(rt *Route) string {
	id := strings.ToLower(rt.Method)
	for _, part := range strings.Split(strings.TrimPrefix(rt.Path, "/v1/"), "/") {
		part = strings.Trim(part, "{}")
		if part != "" {
			id += strings.ToUpper(part[:1]) + part[1:]
		}
	}
	return id
}

func responses(rt *Route) map[string]any {
	out := map[string]any{}
	ok := map[string]any{"description": http.StatusText(rt.Success)}
	if rt.Data != "" {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{
			"allOf": []any{schemaRef("Envelope"), map[string]any{"properties": map[string]any{"data": schemaRef(rt.Data)}}}}}}
	}
	out[strconv.Itoa(rt.Success)] = ok
	for _, code := range append(append([]int{}, commonErrors...), rt.Errors...) {
		out[strconv.Itoa(code)] = map[string]any{"description": http.StatusText(code),
			"content": map[string]any{"application/json": map[string]any{"schema": schemaRef("ErrorEnvelope")}}}
	}
	return out
}

func schemaRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument())
}
