package gateway

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// The document lists every route of the table, with the route's statuses,
// and every schema it refers to exists.
func TestOpenAPIDocumentFollowsRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
		Comps   struct{ Schemas map[string]any }     `json:"components"`
	}
	raw := openAPIDocument()
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	n := 0
	for _, rt := range Routes {
		method := strings.ToLower(strings.Fields(rt.pattern())[0])
		op, ok := doc.Paths[rt.Path][method]
		if !ok {
			t.Errorf("%s %s missing", rt.Method, rt.Path)
			continue
		}
		n++
		responses := op["responses"].(map[string]any)
		for _, code := range append([]int{rt.Success, 401, 429}, rt.Errors...) {
			if _, ok := responses[strconv.Itoa(code)]; !ok {
				t.Errorf("%s %s: no %d response", rt.Method, rt.Path, code)
			}
		}
	}
	ops := 0
	for _, p := range doc.Paths {
		ops += len(p)
	}
	if ops != n || n != len(Routes) {
		t.Errorf("%d operations for %d routes", ops, len(Routes))
	}
	for _, ref := range strings.Split(string(raw), `"$ref": "#/components/schemas/`)[1:] {
		name := ref[:strings.IndexByte(ref, '"')]
		if _, ok := doc.Comps.Schemas[name]; !ok {
			t.Errorf("schema %s is referred to but missing", name)
		}
	}
}
