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
	schemas, err := componentSchemas()
	if err != nil {
		panic(err) // the definitions are generated: a failure is a programming error
	}
	paths := map[string]map[string]any{}
	for _, rt := range Routes {
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.httpMethod())] = operation(rt)
	}
	doc := map[string]any{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info": map[string]any{
			"title":   "MicroStax API",
			"version": "v1",
			"description": "The /v1 REST API, a thin translation over the stax.microstax.ai aggregated API. " +
				"Every JSON answer is an envelope {data, meta}; refusals are {error, meta} with the Kubernetes Status reason and causes.",
		},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearer": []any{}, "organization": []any{}}},
		"tags": []any{
			map[string]any{"name": tagEnvironments, "description": "Environment lifecycle"},
			map[string]any{"name": tagBranching, "description": "Baselines, overlays, shadow traffic and behavioural diffs"},
			map[string]any{"name": tagGovernance, "description": "Tokens, the organization and its policies"},
			map[string]any{"name": tagAITools, "description": "Stubs from OpenAPI documents, failure diagnosis"},
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":       map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT (ES256 + ML-DSA-65)"},
				"organization": map[string]any{"type": "apiKey", "in": "header", "name": OrganizationHeader},
			},
			"headers": headers,
			"schemas": schemas,
		},
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return data
})

// headers are those the gateway sends, by name.
var headers = map[string]any{
	"X-Request-Id":        header("string", "the request's id, also meta.requestId and the apiserver's audit ID"),
	"RateLimit-Limit":     header("integer", "requests a minute the organization (or, before a token verified, the client address) may make"),
	"RateLimit-Remaining": header("integer", "requests left in the current window"),
	"RateLimit-Reset":     header("integer", "seconds until the window ends"),
	"Retry-After":         header("integer", "seconds to wait before trying again"),
	"Location":            header("string", "path of the created resource"),
}

func header(t, desc string) map[string]any {
	return map[string]any{"description": desc, "schema": map[string]any{"type": t}}
}

func headerRefs(names ...string) map[string]any {
	out := map[string]any{}
	for _, n := range names {
		out[n] = map[string]any{"$ref": "#/components/headers/" + n}
	}
	return out
}

// everyAnswer are the headers of every answer of a route.
var everyAnswer = []string{"X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}

func operation(rt *Route) map[string]any {
	op := map[string]any{
		"summary":     rt.Summary,
		"description": "apiserver call: " + rt.Call,
		"operationId": operationID(rt),
		"tags":        []any{rt.Tag},
		"responses":   responses(rt),
	}
	var params []any
	if strings.Contains(rt.Path, "{id}") {
		params = append(params, map[string]any{"name": "id", "in": "path", "required": true,
			"description": "the name of the " + strings.Split(strings.TrimPrefix(rt.Path, "/v1/"), "/")[0] + " resource",
			"schema":      map[string]any{"type": "string"}})
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
		jsonBody := map[string]any{"schema": schemaRef(rt.Body)}
		if rt.Example != nil {
			jsonBody["example"] = rt.Example
		}
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": jsonBody, "application/yaml": ref}}
	}
	if rt.Method == MethodWebSocket {
		op["x-websocket"] = true
		op["description"] = "WebSocket (GET with Upgrade: websocket); each message is a " + rt.Data + ". " +
			"Browsers send the token as the subprotocol " + wsTokenProtocolPrefix + "<base64url token> together with " +
			WebSocketProtocol + " and the organization as ?organization=. " + op["description"].(string)
	}
	return op
}

func operationID(rt *Route) string {
	id := strings.ToLower(rt.Method)
	for _, part := range strings.Split(strings.TrimPrefix(rt.Path, "/v1/"), "/") {
		part = strings.Trim(part, "{}")
		for _, word := range strings.Split(part, "-") {
			if word != "" {
				id += strings.ToUpper(word[:1]) + word[1:]
			}
		}
	}
	return id
}

func responses(rt *Route) map[string]any {
	out := map[string]any{}
	errorContent := map[string]any{"application/json": map[string]any{"schema": schemaRef("ErrorEnvelope")}}
	switch {
	case rt.Method == MethodWebSocket:
		out["101"] = map[string]any{"description": "Switching Protocols: the stream of " + rt.Data + " messages",
			"headers": headerRefs(everyAnswer...), "x-websocket-message": schemaRef(rt.Data)}
	case rt.Success >= 400: // a row not built yet
		out[strconv.Itoa(rt.Success)] = map[string]any{"description": http.StatusText(rt.Success),
			"headers": headerRefs(everyAnswer...), "content": errorContent}
	default:
		ok := map[string]any{"description": http.StatusText(rt.Success), "headers": headerRefs(append(everyAnswer, rt.Headers...)...)}
		if rt.Data != "" {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"allOf": []any{schemaRef("Envelope"), map[string]any{"properties": map[string]any{"data": schemaRef(rt.Data)}}}}}}
		}
		out[strconv.Itoa(rt.Success)] = ok
	}
	for _, code := range append(append([]int{}, commonErrors...), rt.Errors...) {
		h := everyAnswer
		if code == http.StatusTooManyRequests {
			h = append(h[:len(h):len(h)], "Retry-After")
		}
		out[strconv.Itoa(code)] = map[string]any{"description": http.StatusText(code), "headers": headerRefs(h...), "content": errorContent}
	}
	return out
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument())
}
