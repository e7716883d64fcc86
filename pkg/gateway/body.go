package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// maxBody bounds a request body; blueprints are small.
const maxBody = 1 << 20

// readObject reads a JSON object, or YAML when the Content-Type says so,
// into its top-level fields.
func readObject(r *request) (map[string]json.RawMessage, error) {
	data, err := io.ReadAll(http.MaxBytesReader(r.w, r.r.Body, maxBody))
	if err != nil {
		return nil, apierrors.NewRequestEntityTooLargeError("the body is over 1 MiB")
	}
	ct, _, _ := mime.ParseMediaType(r.r.Header.Get("Content-Type"))
	switch ct {
	case "application/yaml", "text/yaml", "application/x-yaml":
		if err := checkYAMLExpansion(data); err != nil {
			return nil, err
		}
		if data, err = yaml.YAMLToJSON(data); err != nil {
			return nil, apierrors.NewBadRequest("the body is not YAML: " + err.Error())
		}
	case "", "application/json", "application/merge-patch+json":
	default:
		return nil, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType,
			Reason: metav1.StatusReasonUnsupportedMediaType, Message: "Content-Type must be application/json or application/yaml"}}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return nil, apierrors.NewBadRequest("the body must be a JSON or YAML object")
	}
	return fields, nil
}

// environmentBody turns a request body into an Environment for org: either
// a whole manifest (kind: Environment, as kubectl takes) or the short form
// {name, displayName, blueprint, autoShutdown}, whose fields other than
// name form the spec. Nothing is checked here: the apiserver validates,
// strictly (unknown fields are refused).
func environmentBody(fields map[string]json.RawMessage, org string) ([]byte, error) {
	if _, manifest := fields["kind"]; manifest {
		var meta map[string]json.RawMessage
		if m, ok := fields["metadata"]; ok && json.Unmarshal(m, &meta) != nil {
			return nil, invalid("", field.Invalid(field.NewPath("metadata"), string(m), "must be an object"))
		}
		if meta == nil {
			meta = map[string]json.RawMessage{}
		}
		meta["namespace"], _ = json.Marshal(org)
		fields["metadata"], _ = json.Marshal(meta)
		return json.Marshal(fields)
	}
	meta := map[string]json.RawMessage{}
	if name, ok := fields["name"]; ok {
		meta["name"] = name
		delete(fields, "name")
	}
	meta["namespace"], _ = json.Marshal(org)
	return json.Marshal(map[string]any{
		"apiVersion": "stax.microstax.ai/v1alpha1", "kind": "Environment",
		"metadata": meta, "spec": fields,
	})
}

// mutableFields are what PATCH /v1/environments/{id} may change, each with
// the type its value must decode into.
var mutableFields = map[string]func() any{
	"displayName":  func() any { return new(string) },
	"autoShutdown": func() any { return new(staxv1.AutoShutdown) },
}

// patchBody checks a PATCH of environment name and returns the merge patch
// of the Environment. The body is the spec's mutable fields, flat or under
// "spec" as in the Environment itself. Each value is decoded here, strictly,
// so a bad value or a misspelt field is refused with its path; the
// apiserver would refuse the whole patched object at the path "patch".
func patchBody(name string, fields map[string]json.RawMessage) ([]byte, error) {
	var root *field.Path // paths as the client wrote them
	if spec, ok := fields["spec"]; ok && len(fields) == 1 {
		root, fields = field.NewPath("spec"), nil
		if err := json.Unmarshal(spec, &fields); err != nil || fields == nil {
			return nil, invalid(name, field.Invalid(root, string(spec), "must be an object"))
		}
	}
	child := func(key string) *field.Path {
		if root == nil {
			return field.NewPath(key)
		}
		return root.Child(key)
	}
	var errs field.ErrorList
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		newValue, ok := mutableFields[key]
		if !ok {
			errs = append(errs, field.Forbidden(child(key), "only displayName and autoShutdown may change"))
			continue
		}
		if string(fields[key]) == "null" {
			continue // a merge patch's way to clear the field
		}
		dec := json.NewDecoder(bytes.NewReader(fields[key]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(newValue()); err != nil {
			errs = append(errs, field.Invalid(child(key), string(fields[key]), strings.TrimPrefix(err.Error(), "json: ")))
		}
	}
	if len(errs) > 0 {
		return nil, invalid(name, errs...)
	}
	return json.Marshal(map[string]any{"spec": fields})
}

func invalid(name string, errs ...*field.Error) error {
	return apierrors.NewInvalid(envKind, name, errs)
}
