// Package stub turns an OpenAPI document (3.0, 3.1, or Swagger 2.0 converted
// to 3.0) into an HTTP server that answers every operation: the document's
// examples first, otherwise values generated from the schemas, with request
// validation. It knows nothing of the API server; cmd/stax-stub and the Stub
// registry use it.
package stub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"sigs.k8s.io/yaml"

	"github.com/microstax/stax/pkg/yamlbudget"
)

// Operation is one method on one path of the document.
type Operation struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	OperationID string `json:"operationId,omitempty"`
}

// Issue is a problem found in the document, located by a JSON pointer into
// it (RFC 6901; empty for the document as a whole).
type Issue struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// Document is a parsed OpenAPI document and what was found in it.
type Document struct {
	// Spec is the document as OpenAPI 3 (a Swagger 2.0 input is converted).
	Spec *openapi3.T
	// SourceVersion is the version the input declared ("2.0", "3.0.3", "3.1.0").
	SourceVersion string
	Operations    []Operation
	// Warnings are things the stub works around (an example that does not
	// match its schema, an operation without a JSON-like response).
	Warnings []Issue
	// Errors make the document invalid; a stub of it may still answer, but
	// its answers are only as good as the document.
	Errors []Issue
}

// methods are the HTTP methods a path item can carry, in a stable order.
var methods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete,
	http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace}

// Parse reads an OpenAPI document from JSON or YAML. It returns an error only
// when the bytes are not an OpenAPI document at all; a document that parses
// but breaks the specification comes back with its Errors filled in.
func Parse(ctx context.Context, data []byte) (*Document, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("the document is empty")
	}
	if data[0] != '{' {
		// Aliases could make a small YAML document huge once written out.
		if err := yamlbudget.Check(data, 2*int64(len(data))+1<<20); err != nil {
			return nil, fmt.Errorf("the YAML document is refused: %w", err)
		}
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return nil, fmt.Errorf("the document is neither JSON nor YAML: %w", err)
		}
		data = j
	}
	var probe struct {
		Swagger string `json:"swagger"`
		OpenAPI string `json:"openapi"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("the document is not a JSON object: %w", err)
	}

	loader := openapi3.NewLoader()
	// A stub never fetches: an external $ref would make the API server a
	// client of any address a document names.
	loader.IsExternalRefsAllowed = false

	d := &Document{}
	switch {
	case probe.Swagger != "":
		if !strings.HasPrefix(probe.Swagger, "2.") {
			return nil, fmt.Errorf("swagger %q is not supported (only 2.0)", probe.Swagger)
		}
		d.SourceVersion = probe.Swagger
		var doc2 openapi2.T
		if err := json.Unmarshal(data, &doc2); err != nil {
			return nil, fmt.Errorf("the Swagger 2.0 document does not parse: %w", err)
		}
		spec, err := openapi2conv.ToV3WithLoader(&doc2, loader, nil)
		if err != nil {
			return nil, fmt.Errorf("the Swagger 2.0 document does not convert to OpenAPI 3: %w", err)
		}
		d.Spec = spec
	case strings.HasPrefix(probe.OpenAPI, "3.0.") || strings.HasPrefix(probe.OpenAPI, "3.1."):
		d.SourceVersion = probe.OpenAPI
		spec, err := loader.LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("the OpenAPI document does not load: %w", err)
		}
		d.Spec = spec
	case probe.OpenAPI != "":
		return nil, fmt.Errorf("openapi %q is not supported (3.0.x and 3.1.x are)", probe.OpenAPI)
	default:
		return nil, errors.New(`the document has neither "openapi" nor "swagger" at its top`)
	}

	if err := d.Spec.Validate(ctx, openapi3.EnableMultiError(), openapi3.DisableExamplesValidation()); err != nil {
		d.Errors = issuesOf(err)
	}
	d.Operations = operationsOf(d.Spec)
	return d, nil
}

func operationsOf(spec *openapi3.T) []Operation {
	var ops []Operation
	if spec.Paths == nil {
		return nil
	}
	paths := spec.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		item := spec.Paths.Value(p)
		for _, m := range methods {
			if op := item.GetOperation(m); op != nil {
				ops = append(ops, Operation{Method: m, Path: p, OperationID: op.OperationID})
			}
		}
	}
	return ops
}

// issuesOf flattens kin-openapi's validation errors, turning the context
// wrappers (section, path, operation, component...) into a JSON pointer.
func issuesOf(err error) []Issue {
	var leaves []error
	var me openapi3.MultiError
	if errors.As(err, &me) {
		leaves = flatten(me)
	} else {
		leaves = []error{err}
	}
	out := make([]Issue, 0, len(leaves))
	for _, e := range leaves {
		ptr, msg := locate(e)
		out = append(out, Issue{Pointer: ptr, Message: msg})
	}
	return out
}

func flatten(me openapi3.MultiError) []error {
	var out []error
	for _, e := range me {
		var sub openapi3.MultiError
		if errors.As(e, &sub) {
			out = append(out, flatten(sub)...)
			continue
		}
		out = append(out, e)
	}
	return out
}

// componentSections maps kin-openapi's singular component names to the
// document's keys under /components.
var componentSections = map[string]string{
	"schema": "schemas", "parameter": "parameters", "header": "headers",
	"request body": "requestBodies", "response": "responses",
	"security scheme": "securitySchemes", "example": "examples",
	"link": "links", "callback": "callbacks",
}

// locate walks an error's wrappers outside in, building the pointer, and
// returns the innermost message.
func locate(err error) (string, string) {
	var ptr strings.Builder
	add := func(tokens ...string) {
		for _, t := range tokens {
			ptr.WriteByte('/')
			ptr.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
		}
	}
	msg := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch w := e.(type) {
		case *openapi3.SectionValidationError:
			switch w.Section {
			case "external docs":
				add("externalDocs")
			default:
				add(w.Section)
			}
		case *openapi3.PathValidationError:
			add(w.Path)
		case *openapi3.OperationValidationError:
			add(strings.ToLower(w.Method))
		case *openapi3.ComponentValidationError:
			sec := componentSections[w.Section]
			if sec == "" {
				sec = w.Section
			}
			add(sec, w.Name)
		case *openapi3.WebhookValidationError:
			add(w.Name)
		case *openapi3.TagValidationError:
			add(w.Name)
		case *openapi3.ParameterFieldValidationError:
			// Parameters are a list; the name is the honest locator.
			add("parameters", w.ParameterName, w.Field)
		case *openapi3.MediaTypeExampleValidationError:
			add("examples", w.ExampleName)
		case *openapi3.SchemaCombinatorElementValidationError:
			add(w.Combinator)
		case *openapi3.SchemaError:
			add(w.JSONPointer()...)
			msg = w.Reason
		}
		if errors.Unwrap(e) == nil {
			if _, ok := e.(*openapi3.SchemaError); !ok {
				msg = e.Error()
			}
		}
	}
	return ptr.String(), msg
}
