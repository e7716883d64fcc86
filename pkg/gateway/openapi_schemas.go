package gateway

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kube-openapi/pkg/builder3"
	"k8s.io/kube-openapi/pkg/common"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	generatedopenapi "github.com/microstax/stax/pkg/generated/openapi"
)

// The schemas of the document: the API's own types come from the generated
// OpenAPI definitions that stax-apiserver serves (so a field added to a
// type appears here too), converted to OpenAPI 3.1; only the gateway's own
// shapes (the envelope, the short request forms, the combined list) are
// written here.

// Component names of the API types the routes use.
var (
	schemaEnvironment  = staxv1.Environment{}.OpenAPIModelName()
	schemaEnvStatus    = staxv1.EnvironmentStatus{}.OpenAPIModelName()
	schemaBlueprint    = staxv1.Blueprint{}.OpenAPIModelName()
	schemaAutoShutdown = staxv1.AutoShutdown{}.OpenAPIModelName()
	schemaReview       = staxv1.IdentityReviewStatus{}.OpenAPIModelName()
	schemaTokenSpec    = staxv1.FederatedTokenRequestSpec{}.OpenAPIModelName()
	schemaTokenStatus  = staxv1.FederatedTokenRequestStatus{}.OpenAPIModelName()
	schemaOrganization = staxv1.Organization{}.OpenAPIModelName()
	schemaBaseline     = staxv1.Baseline{}.OpenAPIModelName()
	schemaBaselineList = staxv1.BaselineList{}.OpenAPIModelName()
	schemaOverlay      = staxv1.OverlayRequest{}.OpenAPIModelName()
	schemaOverlaySpec  = staxv1.OverlayRequestSpec{}.OpenAPIModelName()
	schemaStub         = staxv1.Stub{}.OpenAPIModelName()
	schemaServiceState = staxv1.ServiceStatus{}.OpenAPIModelName()
	schemaCondition    = metav1.Condition{}.OpenAPIModelName()
	schemaTime         = metav1.Time{}.OpenAPIModelName()
	schemaDetails      = metav1.StatusDetails{}.OpenAPIModelName()
)

// componentSchemas are every schema of the document: the API types the
// routes use with all they refer to, and the gateway's own.
func componentSchemas() (map[string]any, error) {
	cfg := &common.OpenAPIV3Config{GetDefinitions: generatedopenapi.GetOpenAPIDefinitions}
	defs, err := builder3.BuildOpenAPIDefinitionsForResources(cfg, schemaEnvironment, schemaBlueprint, schemaAutoShutdown,
		schemaReview, schemaTokenSpec, schemaTokenStatus, schemaOrganization, schemaServiceState, schemaCondition, schemaDetails,
		schemaBaseline, schemaBaselineList, schemaOverlay, schemaUsage, schemaComplianceReport, schemaStub, schemaDiagnosis, schemaDiagnosisSpec,
		schemaShadow, schemaEnvironmentDiff)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for name, s := range defs {
		data, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		out[name] = toOpenAPI31(v)
	}
	for name, s := range gatewaySchemas {
		if _, taken := out[name]; taken {
			return nil, fmt.Errorf("schema %s is both an API type and the gateway's", name)
		}
		out[name] = s
	}
	return out, nil
}

// toOpenAPI31 rewrites an OpenAPI 3.0 schema as OpenAPI 3.1 (JSON Schema
// 2020-12): nullable becomes a "null" type, boolean exclusive bounds become
// numbers. Everything else kube-openapi writes means the same in both.
func toOpenAPI31(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			v[k] = toOpenAPI31(child)
		}
		if nullable, _ := v["nullable"].(bool); nullable {
			delete(v, "nullable")
			if t, ok := v["type"].(string); ok {
				v["type"] = []any{t, "null"}
			} else {
				inner := map[string]any{}
				for k, child := range v {
					inner[k] = child
					delete(v, k)
				}
				v["anyOf"] = []any{inner, map[string]any{"type": "null"}}
			}
		} else if _, ok := v["nullable"]; ok {
			delete(v, "nullable")
		}
		for bound, limit := range map[string]string{"exclusiveMinimum": "minimum", "exclusiveMaximum": "maximum"} {
			if exclusive, ok := v[bound].(bool); ok {
				delete(v, bound)
				if exclusive {
					v[bound] = v[limit]
					delete(v, limit)
				}
			}
		}
		return v
	case []any:
		for i, child := range v {
			v[i] = toOpenAPI31(child)
		}
		return v
	default:
		return v
	}
}

// obj is a JSON Schema object with the given properties.
func obj(desc string, props map[string]any) map[string]any {
	s := map[string]any{"type": "object", "description": desc}
	if props != nil {
		s["properties"] = props
	}
	return s
}

func typ(t, desc string) map[string]any { return map[string]any{"type": t, "description": desc} }

func arrayOf(items any) map[string]any { return map[string]any{"type": "array", "items": items} }

// gatewaySchemas are the shapes of the gateway itself.
var gatewaySchemas = map[string]any{
	"Meta": obj("metadata of every answer", map[string]any{
		"requestId":         typ("string", "stx_<hex>; also the apiserver's audit ID"),
		"signatureVerified": typ("boolean", "both signatures of the caller's token verified (ES256 and ML-DSA-65)"),
		"timestamp":         map[string]any{"type": "string", "format": "date-time"},
	}),
	"Envelope": obj("a successful answer", map[string]any{"data": map[string]any{}, "meta": schemaRef("Meta")}),
	"ErrorEnvelope": obj("a refused request", map[string]any{
		"error": obj("the Kubernetes Status of the refusal", map[string]any{
			"code":    typ("integer", "HTTP status"),
			"reason":  typ("string", "Status reason: BadRequest, Unauthorized, Forbidden, NotFound, AlreadyExists, Conflict, Invalid, TooManyRequests, NotImplemented, …"),
			"message": typ("string", ""),
			"details": schemaRef(schemaDetails),
		}),
		"meta": schemaRef("Meta"),
	}),
	"EnvironmentShortForm": map[string]any{"type": "object", "additionalProperties": false, "required": []any{"blueprint"},
		"description": "an environment's name and the fields of its spec",
		"properties": map[string]any{
			"name": typ("string", "DNS-1123 name; POST /v1/environments/validate does without"), "displayName": typ("string", ""),
			"blueprint": schemaRef(schemaBlueprint), "autoShutdown": schemaRef(schemaAutoShutdown)}},
	"EnvironmentRequest": map[string]any{
		"description": "the environment to create: the short form, or a whole Environment manifest (kind: Environment) as kubectl takes",
		"anyOf":       []any{schemaRef("EnvironmentShortForm"), schemaRef(schemaEnvironment)}},
	"EnvironmentPatch": map[string]any{"type": "object", "additionalProperties": false,
		"description": "a merge patch of the mutable fields, flat or under spec; any other field is refused with 422",
		"properties": map[string]any{"displayName": typ("string", ""), "autoShutdown": schemaRef(schemaAutoShutdown),
			"spec": map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
				"displayName": typ("string", ""), "autoShutdown": schemaRef(schemaAutoShutdown)}}}},
	"EnvironmentSummaryList": obj("", map[string]any{
		"items":    arrayOf(schemaRef("EnvironmentSummary")),
		"continue": typ("string", "token of the next page")}),
	"EnvironmentSummary": obj("an environment, running (active) or deleted (historical)", map[string]any{
		"state": map[string]any{"type": "string", "enum": []any{stateActive, stateHistorical}}, "name": typ("string", ""), "uid": typ("string", ""),
		"displayName": typ("string", ""), "createdBy": typ("string", ""), "createdAt": schemaRef(schemaTime),
		"deletedAt": schemaRef(schemaTime), "services": typ("integer", "how many"),
		"phase": typ("string", "of an active environment"), "record": typ("string", "the EnvironmentRecord of a historical one"),
		"healthyServices": typ("integer", "of an active environment: how many of its own services are Healthy"),
		"baseline":        typ("string", "the Baseline an overlay branches from")}),
	"BaselineRequest": map[string]any{"type": "object", "additionalProperties": false, "required": []any{"name", "environment"},
		"description": "the baseline to create: its name and the Ready environment it promotes",
		"properties": map[string]any{
			"name":        typ("string", "DNS-1123 name of the baseline; promoting again takes a new name"),
			"environment": typ("string", "name of a Ready environment of the organization")}},
	"OverlayRequest": map[string]any{
		"description": "the overlay to create: the short form (the spec of an OverlayRequest: name, services, displayName, autoShutdown), " +
			"or a whole OverlayRequest manifest (kind: OverlayRequest)",
		"anyOf": []any{schemaRef(schemaOverlaySpec), schemaRef(schemaOverlay)}},
	"StubDocument": map[string]any{"type": "object", "additionalProperties": true,
		"description": "an OpenAPI 3.0 or 3.1 document (openapi: 3.x) or a Swagger 2.0 one (swagger: \"2.0\"), as JSON or YAML",
		"properties": map[string]any{"openapi": typ("string", ""), "swagger": typ("string", ""),
			"info": map[string]any{"type": "object"}, "paths": map[string]any{"type": "object"}}},
	"LiveStatus": obj("", map[string]any{
		"name": typ("string", ""), "generation": typ("integer", ""), "status": schemaRef(schemaEnvStatus)}),
	"Validation": obj("", map[string]any{"valid": typ("boolean", ""),
		"nameInUse":   typ("boolean", "an environment of this name exists; the blueprint is valid all the same"),
		"environment": schemaRef(schemaEnvironment)}),
	"LogLines":       obj("", map[string]any{"lines": arrayOf(typ("string", ""))}),
	"LogLineMessage": typ("string", "one log line: a WebSocket text message"),
	"ProgressMessage": obj("a change of phase, conditions or service readiness: a WebSocket text message", map[string]any{
		"type":  map[string]any{"type": "string", "enum": []any{"ADDED", "MODIFIED", "DELETED"}},
		"phase": typ("string", ""), "generation": typ("integer", ""), "observedGeneration": typ("integer", ""),
		"conditions": arrayOf(schemaRef(schemaCondition)), "services": arrayOf(schemaRef(schemaServiceState))}),
}

func schemaRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}
