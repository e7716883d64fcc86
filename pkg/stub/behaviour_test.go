package stub

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// widgets exercises every generation rule; it is small on purpose.
const widgets = `
openapi: 3.0.3
info: {title: widgets, version: "1"}
paths:
  /widgets:
    post:
      operationId: createWidget
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Widget'}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Widget'}
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 50}}
      responses:
        "200":
          description: all
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Widget'}}
  /widgets/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
    get:
      responses:
        "200":
          description: one
          headers:
            X-Rate-Limit: {schema: {type: integer, minimum: 10, maximum: 10}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Widget'}
              examples:
                small: {value: {id: 3f1d2c1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f, name: small, kind: gear, size: 1}}
                broken: {value: {id: 7, name: broken}}
        "404":
          description: none
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Error'}
              example: {code: 404, message: no such widget}
    delete:
      responses:
        "204": {description: gone}
  /tree:
    get:
      responses:
        "200":
          description: a recursive schema
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Widget:
      type: object
      required: [id, name, kind, size]
      properties:
        id: {type: string, format: uuid}
        name: {type: string, minLength: 3, maxLength: 12}
        kind: {type: string, enum: [gear, sprocket, cog]}
        size: {type: integer, minimum: 1, maximum: 9}
        weight: {type: number, minimum: 0.5, exclusiveMaximum: true, maximum: 2}
        owner: {type: string, format: email}
        created: {type: string, format: date-time, readOnly: true}
        homepage: {type: string, format: uri}
        sku: {type: string, pattern: '^[A-Z]{3}-[0-9]{4}$'}
        tags: {type: array, minItems: 1, maxItems: 3, uniqueItems: true, items: {type: string}}
        note: {type: string, nullable: true}
        secret: {type: string, writeOnly: true}
        price:
          allOf:
            - {type: object, required: [amount], properties: {amount: {type: number, minimum: 1}}}
            - {type: object, required: [currency], properties: {currency: {type: string, enum: [EUR, USD]}}}
        shape:
          oneOf:
            - {$ref: '#/components/schemas/Round'}
            - {$ref: '#/components/schemas/Square'}
          discriminator: {propertyName: type}
        label:
          anyOf:
            - {type: string, maxLength: 4}
            - {type: integer}
    Round:
      type: object
      required: [type, radius]
      properties: {type: {type: string}, radius: {type: number, minimum: 1}}
      additionalProperties: false
    Square:
      type: object
      required: [type, side]
      properties: {type: {type: string}, side: {type: integer, minimum: 1}}
      additionalProperties: false
    Node:
      type: object
      required: [name]
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
        parent: {$ref: '#/components/schemas/Node'}
    Error:
      type: object
      required: [code, message]
      properties: {code: {type: integer}, message: {type: string}}
`

func widgetsServer(t *testing.T, opts Options) (*Document, string) {
	t.Helper()
	d, err := Parse(context.Background(), []byte(widgets))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Errors) > 0 {
		t.Fatalf("widgets is invalid: %v", d.Errors)
	}
	srv, err := NewServer(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return d, ts.URL
}

func widgetSchema(t *testing.T, d *Document, name string) *openapi3.SchemaRef {
	t.Helper()
	s := d.Spec.Components.Schemas[name]
	if s == nil {
		t.Fatalf("no schema %s", name)
	}
	return s
}

func TestGenerateFollowsTheSchema(t *testing.T) {
	d, _ := widgetsServer(t, Options{})
	ref := widgetSchema(t, d, "Widget")
	for seed := uint64(0); seed < 50; seed++ {
		v, err := generateChecked(ref, seed, true, nil)
		if err != nil {
			t.Fatalf("seed %d: %v\n%v", seed, err, v)
		}
		w := v.(map[string]any)
		if _, err := mail.ParseAddress(w["owner"].(string)); err != nil {
			t.Errorf("owner %q is no email: %v", w["owner"], err)
		}
		if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(w["id"].(string)) {
			t.Errorf("id %q is no uuid", w["id"])
		}
		if _, err := time.Parse(time.RFC3339, w["created"].(string)); err != nil {
			t.Errorf("created %q: %v", w["created"], err)
		}
		if u, err := url.Parse(w["homepage"].(string)); err != nil || u.Scheme == "" {
			t.Errorf("homepage %q is no absolute uri", w["homepage"])
		}
		if _, ok := w["secret"]; ok {
			t.Errorf("a response carries the writeOnly secret")
		}
		shape := w["shape"].(map[string]any)
		if shape["type"] != "Round" && shape["type"] != "Square" {
			t.Errorf("shape's discriminator is %v", shape["type"])
		}
		if p := w["price"].(map[string]any); p["amount"] == nil || p["currency"] == nil {
			t.Errorf("allOf parts not merged: %v", p)
		}
	}
	// As a request, readOnly goes and writeOnly stays.
	req := Generate(ref, 1, false).(map[string]any)
	if _, ok := req["created"]; ok {
		t.Errorf("a request carries the readOnly created")
	}
	if _, ok := req["secret"]; !ok {
		t.Errorf("a request lacks the writeOnly secret")
	}
}

func TestGenerateIsDeterministicForASeed(t *testing.T) {
	d, _ := widgetsServer(t, Options{})
	ref := widgetSchema(t, d, "Widget")
	a, _ := json.Marshal(Generate(ref, 42, true))
	b, _ := json.Marshal(Generate(ref, 42, true))
	c, _ := json.Marshal(Generate(ref, 43, true))
	if !bytes.Equal(a, b) {
		t.Errorf("same seed, different values:\n%s\n%s", a, b)
	}
	if bytes.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same value %s", a)
	}
}

func depthOf(v any) int {
	m, ok := v.(map[string]any)
	if !ok {
		if l, ok := v.([]any); ok {
			d := 0
			for _, e := range l {
				d = max(d, depthOf(e))
			}
			return d
		}
		return 0
	}
	d := 0
	for _, e := range m {
		d = max(d, depthOf(e))
	}
	return d + 1
}

func TestRecursiveSchemasAreCut(t *testing.T) {
	d, _ := widgetsServer(t, Options{})
	v, err := generateChecked(widgetSchema(t, d, "Node"), 1, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := depthOf(v); got < 2 || got > recursionCut+1 {
		t.Errorf("a Node nests %d deep, want 2..%d: %v", got, recursionCut+1, v)
	}
}

func TestPatternsGenerateMatches(t *testing.T) {
	for _, p := range []string{`^[A-Z]{3}-[0-9]{4}$`, `^v\d+\.\d+(\.\d+)?$`, `^(foo|bar)+baz$`, `[a-f0-9]{40}`, `^\w+@\w+\.com$`} {
		v, ok := fromPattern(p, newGenerator(1, true, false, nil).rng)
		if !ok || !regexp.MustCompile(p).MatchString(v) {
			t.Errorf("pattern %s gave %q", p, v)
		}
	}
	if _, ok := fromPattern(`(?<=a)b`, newGenerator(1, true, false, nil).rng); ok {
		t.Errorf("a pattern Go cannot parse must report so")
	}
}

func do(t *testing.T, method, u, body string, h map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func problemOf(t *testing.T, b []byte) Problem {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("not a problem: %s", b)
	}
	return p
}

func hasViolation(p Problem, location, fragment string) bool {
	for _, v := range p.Violations {
		if v.Location == location && strings.Contains(v.Message, fragment) {
			return true
		}
	}
	return false
}

func TestBadRequestsNameEveryViolation(t *testing.T) {
	_, base := widgetsServer(t, Options{})
	// A body that breaks three rules: all three come back, located.
	code, _, b := do(t, "POST", base+"/widgets", `{"id":"3f1d2c1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f","name":"ab","kind":"bolt"}`, nil)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422: %s", code, b)
	}
	p := problemOf(t, b)
	for _, want := range [][2]string{{"/body/name", "minimum string length is 3"}, {"/body/kind", "value is not one of the allowed values"}, {"/body/size", `property "size" is missing`}} {
		if !hasViolation(p, want[0], want[1]) {
			t.Errorf("no violation %q at %s in %+v", want[1], want[0], p.Violations)
		}
	}
	// A parameter out of range is a 400 naming the parameter.
	code, _, b = do(t, "GET", base+"/widgets?limit=99", "", nil)
	if code != http.StatusBadRequest || !hasViolation(problemOf(t, b), "/query/limit", "at most 50") {
		t.Errorf("limit=99: %d %s", code, b)
	}
	code, _, b = do(t, "GET", base+"/widgets/not-a-uuid", "", nil)
	if code != http.StatusOK {
		// uuid is a format kin-openapi does not check by default.
		t.Logf("not-a-uuid: %d %s", code, b)
	}
	// A missing required body.
	code, _, b = do(t, "POST", base+"/widgets", "", nil)
	if code != http.StatusBadRequest || !hasViolation(problemOf(t, b), "/body", "required but missing") {
		t.Errorf("no body: %d %s", code, b)
	}
	// Malformed JSON is a 400, not a 422.
	code, _, b = do(t, "POST", base+"/widgets", `{"name":`, nil)
	if code != http.StatusBadRequest {
		t.Errorf("malformed body: %d %s", code, b)
	}
	code, _, _ = do(t, "GET", base+"/nowhere", "", nil)
	if code != http.StatusNotFound {
		t.Errorf("unknown path: %d", code)
	}
	code, _, _ = do(t, "PATCH", base+"/widgets", "", nil)
	if code != http.StatusMethodNotAllowed {
		t.Errorf("undocumented method: %d", code)
	}
}

func TestPreferChoosesTheResponse(t *testing.T) {
	_, base := widgetsServer(t, Options{})
	u := base + "/widgets/3f1d2c1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f"
	code, h, b := do(t, "GET", u, "", nil)
	if code != 200 || h.Get("X-Rate-Limit") != "10" {
		t.Errorf("default: %d %v %s", code, h, b)
	}
	// Without a choice the first valid named example is served; "broken"
	// does not match the schema and is never the default.
	var w map[string]any
	_ = json.Unmarshal(b, &w)
	if w["name"] != "small" {
		t.Errorf("default example: %s", b)
	}
	code, _, b = do(t, "GET", u, "", map[string]string{"Prefer": "code=404"})
	if code != 404 || !strings.Contains(string(b), "no such widget") {
		t.Errorf("code=404: %d %s", code, b)
	}
	code, _, b = do(t, "GET", u, "", map[string]string{"Prefer": "code=200, example=small"})
	if code != 200 || !strings.Contains(string(b), `"small"`) {
		t.Errorf("example=small: %d %s", code, b)
	}
	code, _, b = do(t, "GET", u, "", map[string]string{"Prefer": "example=missing"})
	if code != 404 || !strings.Contains(string(b), `no example \"missing\"`) {
		t.Errorf("example=missing: %d %s", code, b)
	}
	code, _, _ = do(t, "GET", u, "", map[string]string{"Prefer": "code=418"})
	if code != 404 {
		t.Errorf("code=418: %d", code)
	}
	code, _, _ = do(t, "GET", u, "", map[string]string{"Accept": "application/xml"})
	if code != http.StatusNotAcceptable {
		t.Errorf("accept xml: %d", code)
	}
}

func TestExampleMismatchIsAWarning(t *testing.T) {
	d, base := widgetsServer(t, Options{})
	_ = base
	found := false
	for _, w := range d.Warnings {
		found = found || w.Pointer == "/paths/~1widgets~1{id}/get/responses/200/content/application~1json"
	}
	if found {
		t.Errorf("the first valid example is used, so no warning is due: %v", d.Warnings)
	}
	d2, err := Parse(context.Background(), []byte(strings.Replace(widgets, "small: {value: {id: 3f1d2c1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f, name: small, kind: gear, size: 1}}", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewServer(d2, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(d2.Warnings) != 1 || d2.Warnings[0].Pointer != "/paths/~1widgets~1{id}/get/responses/200/content/application~1json" {
		t.Errorf("warnings %v", d2.Warnings)
	}
}

func TestStatefulModeReturnsWhatWasPosted(t *testing.T) {
	_, base := widgetsServer(t, Options{Stateful: true})
	body := `{"id":"3f1d2c1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f","name":"mine","kind":"cog","size":4}`
	if code, _, b := do(t, "POST", base+"/widgets", body, nil); code != 201 {
		t.Fatalf("post: %d %s", code, b)
	}
	code, _, b := do(t, "GET", base+"/widgets/3f1d2c1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f", "", nil)
	if code != 200 || !strings.Contains(string(b), `"name":"mine"`) {
		t.Errorf("get after post: %d %s", code, b)
	}
	code, _, b = do(t, "GET", base+"/widgets", "", nil)
	if code != 200 || !strings.Contains(string(b), `"name":"mine"`) || !strings.HasPrefix(string(b), "[") {
		t.Errorf("list after post: %d %s", code, b)
	}
	if code, _, _ := do(t, "DELETE", base+"/widgets/3f1d2c1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f", "", nil); code != 204 {
		t.Errorf("delete: %d", code)
	}
	_, _, b = do(t, "GET", base+"/widgets/3f1d2c1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f", "", nil)
	if strings.Contains(string(b), `"name":"mine"`) {
		t.Errorf("deleted widget still served: %s", b)
	}
	// Without the mode the stub forgets.
	_, base = widgetsServer(t, Options{})
	do(t, "POST", base+"/widgets", body, nil)
	if _, _, b := do(t, "GET", base+"/widgets/3f1d2c1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f", "", nil); strings.Contains(string(b), `"name":"mine"`) {
		t.Errorf("a stateless stub remembered: %s", b)
	}
}

func TestInvalidDocumentsListErrorsWithPointers(t *testing.T) {
	bad := `{"openapi":"3.0.3","info":{"title":"bad","version":"1"},"paths":{
	  "/a/{id}":{"get":{"responses":{"200":{"description":"ok"}}}},
	  "/b":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/B"}}}}}}}},
	  "components":{"schemas":{"B":{"type":"object","properties":{"n":{"type":"integer","minimum":"x"}}},"C":{"type":"wat"}}}}`
	d, err := Parse(context.Background(), []byte(bad))
	if err != nil {
		// A schema keyword of the wrong type fails the load itself.
		if !strings.Contains(err.Error(), "minimum") {
			t.Fatalf("unexpected: %v", err)
		}
	} else {
		t.Fatalf("want a load error, got %+v", d.Errors)
	}
	bad = strings.Replace(bad, `"minimum":"x"`, `"minimum":1`, 1)
	d, err = Parse(context.Background(), []byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/components/schemas/C": `unsupported 'type' value "wat"`, "/paths": "GET /a/{id} must define exactly all path parameters (missing: [id])"}
	for ptr, frag := range want {
		ok := false
		for _, e := range d.Errors {
			ok = ok || (e.Pointer == ptr && strings.Contains(e.Message, frag))
		}
		if !ok {
			t.Errorf("no error %q at %s in %+v", frag, ptr, d.Errors)
		}
	}
	for _, in := range []string{"", "just text", `{"openapi":"4.0.0"}`, `{"swagger":"1.2"}`, `{"info":{}}`, `[1,2]`} {
		if _, err := Parse(context.Background(), []byte(in)); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
}

func TestSwaggerAndYAMLInputs(t *testing.T) {
	d := parseTestdata(t, "petstore-swagger-2.0.json")
	if d.SourceVersion != "2.0" || !strings.HasPrefix(d.Spec.OpenAPI, "3.0") || len(d.Operations) != 20 {
		t.Errorf("swagger: %s -> %s, %d operations", d.SourceVersion, d.Spec.OpenAPI, len(d.Operations))
	}
	y := parseTestdata(t, "petstore-3.0.yaml")
	if len(y.Operations) != 20 || y.Operations[0].OperationID == "" {
		t.Errorf("yaml: %+v", y.Operations)
	}
}

func TestPetstoreBadRequest(t *testing.T) {
	d := parseTestdata(t, "petstore-3.1.json")
	srv, err := NewServer(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	code, _, b := do(t, "GET", ts.URL+"/pet/findByStatus?status=bogus", "", nil)
	if code != 400 || !hasViolation(problemOf(t, b), "/query/status/0", "must be one of 'available', 'pending', 'sold'") {
		t.Errorf("status=bogus: %d %s", code, b)
	}
	code, _, b = do(t, "GET", ts.URL+"/pet/abc", "", nil)
	if code != 400 || !hasViolation(problemOf(t, b), "/path/petId", "") {
		t.Errorf("petId=abc: %d %s", code, b)
	}
}
