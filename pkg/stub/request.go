package stub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// SampleRequest builds a request the document accepts for an operation:
// path parameters filled, required query, header and cookie parameters
// set, and a generated JSON body when one is required. Tests and the
// benchmark harness use it to reach every operation.
func (d *Document) SampleRequest(op Operation, baseURL string, seed uint64) (*http.Request, error) {
	item := d.Spec.Paths.Value(op.Path)
	if item == nil || item.GetOperation(op.Method) == nil {
		return nil, fmt.Errorf("the document has no %s %s", op.Method, op.Path)
	}
	o := item.GetOperation(op.Method)
	var opts []openapi3.SchemaValidationOption
	if d.Spec.IsOpenAPI31OrLater() {
		opts = append(opts, openapi3.EnableJSONSchema2020())
	}
	params := map[string]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{item.Parameters, o.Parameters} {
		for _, p := range list {
			if p != nil && p.Value != nil {
				params[p.Value.In+"\x00"+p.Value.Name] = p.Value
			}
		}
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	path := op.Path
	query := url.Values{}
	header := http.Header{}
	for _, k := range keys {
		p := params[k]
		if !p.Required && p.In != openapi3.ParameterInPath {
			continue
		}
		var v any = "x"
		if p.Schema != nil {
			v = Generate(p.Schema, seedFor(seed, op.Method, op.Path, p.Name), false, opts...)
		} else if mt := p.Content.Get("application/json"); mt != nil {
			b, _ := json.Marshal(Generate(mt.Schema, seed, false, opts...))
			v = string(b)
		}
		switch p.In {
		case openapi3.ParameterInPath:
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(headerString(v)))
		case openapi3.ParameterInQuery:
			if list, ok := v.([]any); ok && (p.Explode == nil || *p.Explode) {
				for _, e := range list {
					query.Add(p.Name, headerString(e))
				}
			} else {
				query.Set(p.Name, headerString(v))
			}
		case openapi3.ParameterInHeader:
			header.Set(p.Name, headerString(v))
		case openapi3.ParameterInCookie:
			header.Add("Cookie", p.Name+"="+headerString(v))
		}
	}
	u := strings.TrimSuffix(baseURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body []byte
	if rb := o.RequestBody; rb != nil && rb.Value != nil {
		for _, ct := range []string{"application/json", "application/x-www-form-urlencoded", "text/plain"} {
			mt := rb.Value.Content.Get(ct)
			if mt == nil {
				continue
			}
			v := Generate(mt.Schema, seedFor(seed, op.Method, op.Path, "body"), false, opts...)
			switch ct {
			case "application/json":
				body, _ = json.Marshal(v)
			case "application/x-www-form-urlencoded":
				form := url.Values{}
				if m, ok := v.(map[string]any); ok {
					for k, e := range m {
						form.Set(k, headerString(e))
					}
				}
				body = []byte(form.Encode())
			default:
				body = []byte(headerString(v))
			}
			header.Set("Content-Type", ct)
			break
		}
	}
	req, err := http.NewRequest(op.Method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	declared := false
	for _, p := range params {
		declared = declared || (p.In == openapi3.ParameterInHeader && strings.EqualFold(p.Name, "Accept"))
	}
	if !declared && req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json, */*")
	}
	return req, nil
}
