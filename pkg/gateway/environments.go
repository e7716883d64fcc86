package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var envKind = schema.GroupKind{Group: "stax.microstax.ai", Kind: "Environment"}

// strict makes the apiserver refuse unknown and duplicate fields, so a
// mistyped blueprint field is an error rather than silently dropped.
var strict = url.Values{"fieldValidation": {"Strict"}}

func createEnvironment(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	body, err := environmentBody(fields, r.org)
	if err != nil {
		return err
	}
	data, err := g.up.json(r.r.Context(), r.token, r.id, call{method: http.MethodPost, path: envPath(r.org), query: strict, body: body})
	if err != nil {
		return err
	}
	var obj struct {
		Metadata struct{ Name string } `json:"metadata"`
	}
	_ = json.Unmarshal(data, &obj)
	r.w.Header().Set("Location", "/v1/environments/"+obj.Metadata.Name)
	r.writeData(http.StatusAccepted, data)
	return nil
}

func validateEnvironment(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	if _, named := fields["name"]; !named {
		if _, manifest := fields["kind"]; !manifest {
			// A dry run still needs a name; the blueprint is what is checked.
			fields["name"] = json.RawMessage(`"validate"`)
		}
	}
	body, err := environmentBody(fields, r.org)
	if err != nil {
		return err
	}
	dryRun := func(body []byte) ([]byte, error) {
		q := url.Values{"dryRun": {"All"}, "fieldValidation": {"Strict"}}
		return g.up.json(r.r.Context(), r.token, r.id, call{method: http.MethodPost, path: envPath(r.org), query: q, body: body})
	}
	data, err := dryRun(body)
	nameInUse := apierrors.IsAlreadyExists(err)
	if nameInUse {
		// Storage refuses a taken name only after defaulting, admission
		// and validation passed: the blueprint is valid. Ask again under a
		// generated name for the server's defaulted answer.
		var taken string
		if body, taken, err = withGeneratedName(body); err == nil {
			if data, err = dryRun(body); err == nil {
				data, err = withName(data, taken)
			}
		}
	}
	if err != nil {
		return err
	}
	out, _ := json.Marshal(map[string]any{"valid": true, "nameInUse": nameInUse, "environment": json.RawMessage(data)})
	r.writeData(http.StatusOK, out)
	return nil
}

// withGeneratedName swaps an Environment's name for a generateName of it.
func withGeneratedName(body []byte) ([]byte, string, error) {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, "", err
	}
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	delete(meta, "name")
	meta["generateName"] = name + "-"
	out, err := json.Marshal(obj)
	return out, name, err
}

// withName puts name back on an answered Environment.
func withName(data []byte, name string) ([]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	if meta, ok := obj["metadata"].(map[string]any); ok {
		meta["name"] = name
		delete(meta, "generateName")
	}
	return json.Marshal(obj)
}

func getEnvironment(g *Gateway, r *request) error {
	return g.forward(r, call{method: http.MethodGet, path: envPath(r.org, r.r.PathValue("id"))}, http.StatusOK)
}

func patchEnvironment(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	body, err := patchBody(r.r.PathValue("id"), fields)
	if err != nil {
		return err
	}
	return g.forward(r, call{method: http.MethodPatch, path: envPath(r.org, r.r.PathValue("id")), query: strict,
		body: body, contentType: "application/merge-patch+json"}, http.StatusOK)
}

func deleteEnvironment(g *Gateway, r *request) error {
	return g.forward(r, call{method: http.MethodDelete, path: envPath(r.org, r.r.PathValue("id"))}, http.StatusAccepted)
}

func pauseEnvironment(verb string) func(g *Gateway, r *request) error {
	return func(g *Gateway, r *request) error {
		return g.forward(r, call{method: http.MethodPost, path: envPath(r.org, r.r.PathValue("id"), verb), body: []byte("{}")}, http.StatusAccepted)
	}
}

func environmentStatus(g *Gateway, r *request) error {
	data, err := g.up.json(r.r.Context(), r.token, r.id, call{method: http.MethodGet, path: envPath(r.org, r.r.PathValue("id"), "status")})
	if err != nil {
		return err
	}
	var obj struct {
		Metadata struct {
			Name       string `json:"name"`
			Generation int64  `json:"generation"`
		} `json:"metadata"`
		Status json.RawMessage `json:"status"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return err
	}
	return r.writeValue(http.StatusOK, map[string]any{"name": obj.Metadata.Name, "generation": obj.Metadata.Generation, "status": obj.Status})
}

// forward makes one call and answers its JSON as data.
func (g *Gateway) forward(r *request, c call, status int) error {
	data, err := g.up.json(r.r.Context(), r.token, r.id, c)
	if err != nil {
		return err
	}
	r.writeData(status, data)
	return nil
}

// writeValue answers v, encoded, as data.
func (r *request) writeValue(status int, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	r.writeData(status, data)
	return nil
}
