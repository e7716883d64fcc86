package gateway

import (
	"encoding/json"
	"net/http"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

var (
	schemaDiagnosis     = staxv1.Diagnosis{}.OpenAPIModelName()
	schemaDiagnosisSpec = staxv1.DiagnosisSpec{}.OpenAPIModelName()
)

// exampleDiagnosis asks what remediation would change, changing nothing.
var exampleDiagnosis = map[string]any{"remediate": true, "dryRun": true}

var diagnoseRoutes = []*Route{
	{Method: "POST", Path: "/v1/environments/{id}/diagnose", Tag: tagAITools,
		Summary: "Run failure diagnosis and, with remediate, the safe remediations (dryRun says what they would change)",
		Call:    "create environments/diagnose", Success: 200, Errors: []int{404, 413, 415, 422, 503},
		Body: schemaDiagnosisSpec, Example: exampleDiagnosis, Data: schemaDiagnosis, serve: diagnoseEnvironment},
}

// diagnoseEnvironment sends the body, a DiagnosisSpec (an empty body is
// {}), as the spec of a Diagnosis; the apiserver refuses unknown fields
// and checks the rest with their paths. The answer is the Diagnosis.
func diagnoseEnvironment(g *Gateway, r *request) error {
	fields := map[string]json.RawMessage{}
	if r.r.ContentLength != 0 {
		var err error
		if fields, err = readObject(r); err != nil {
			return err
		}
	}
	body, err := json.Marshal(map[string]any{
		"apiVersion": "stax.microstax.ai/v1alpha1", "kind": "Diagnosis",
		"metadata": map[string]any{"name": r.name()}, "spec": fields,
	})
	if err != nil {
		return err
	}
	return r.forward(g.up.environments(http.MethodPost, r.org).Name(r.name()).SubResource("diagnose").
		Param("fieldValidation", strict).Body(body), http.StatusOK)
}
