package gateway

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
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
			return nil, invalid(field.Invalid(field.NewPath("metadata"), string(m), "must be an object"))
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

// mutableFields are what PATCH /v1/environments/{id} may change.
var mutableFields = map[string]bool{"displayName": true, "autoShutdown": true}

// patchBody checks that a PATCH names only mutable fields and returns the
// merge patch of the Environment.
func patchBody(fields map[string]json.RawMessage) ([]byte, error) {
	var errs field.ErrorList
	for name := range fields {
		if !mutableFields[name] {
			errs = append(errs, field.Forbidden(field.NewPath(name), "only displayName and autoShutdown may change"))
		}
	}
	if len(errs) > 0 {
		return nil, invalid(errs...)
	}
	return json.Marshal(map[string]any{"spec": fields})
}

func invalid(errs ...*field.Error) error {
	return apierrors.NewInvalid(envKind, "", errs)
}
