package gateway

// obj is a JSON Schema object with the given properties.
func obj(desc string, props map[string]any) map[string]any {
	s := map[string]any{"type": "object", "description": desc}
	if props != nil {
		s["properties"] = props
	}
	return s
}

func typ(t, desc string) map[string]any { return map[string]any{"type": t, "description": desc} }

// schemas of the document. Kubernetes objects are described by their
// outline; kubectl explain has every field.
var schemas = map[string]any{
	"Meta": obj("metadata of every answer", map[string]any{
		"requestId":         typ("string", "stx_<hex>; also the apiserver's audit ID"),
		"signatureVerified": typ("boolean", "both signatures of the caller's token verified (ES256 and ML-DSA-65)"),
		"timestamp":         map[string]any{"type": "string", "format": "date-time"},
	}),
	"Envelope": obj("a successful answer", map[string]any{"data": map[string]any{}, "meta": schemaRef("Meta")}),
	"ErrorEnvelope": obj("a refused request", map[string]any{
		"error": obj("the Kubernetes Status of the refusal", map[string]any{
			"code":    typ("integer", "HTTP status"),
			"reason":  typ("string", "Status reason: BadRequest, Unauthorized, Forbidden, NotFound, AlreadyExists, Conflict, Invalid, TooManyRequests, …"),
			"message": typ("string", ""),
			"details": obj("name, kind and causes", map[string]any{
				"causes": map[string]any{"type": "array", "items": obj("one bad field", map[string]any{
					"reason": typ("string", ""), "message": typ("string", ""), "field": typ("string", "field path")})},
			}),
		}),
		"meta": schemaRef("Meta"),
	}),
	"Blueprint": obj("services with ports, health checks and dependencies", map[string]any{
		"services": map[string]any{"type": "array", "items": obj("a service: name, image or command+args, env, ports, replicas, resources, health, dependsOn", nil)},
	}),
	"AutoShutdown": obj("", map[string]any{
		"idleTimeout": typ("string", "e.g. 1h"), "timeToLive": typ("string", "e.g. 24h")}),
	"EnvironmentRequest": obj("the environment to create: this short form, or a whole Environment manifest (kind: Environment)", map[string]any{
		"name": typ("string", "DNS-1123 name"), "displayName": typ("string", ""),
		"blueprint": schemaRef("Blueprint"), "autoShutdown": schemaRef("AutoShutdown")}),
	"EnvironmentPatch": map[string]any{"type": "object", "additionalProperties": false,
		"description": "a merge patch of the mutable fields; any other field is refused with 422",
		"properties":  map[string]any{"displayName": typ("string", ""), "autoShutdown": schemaRef("AutoShutdown")}},
	"Environment": obj("a stax.microstax.ai/v1alpha1 Environment", map[string]any{
		"metadata": obj("", nil), "spec": obj("", nil), "status": schemaRef("EnvironmentPhaseStatus")}),
	"EnvironmentPhaseStatus": obj("", map[string]any{
		"phase":      typ("string", "Pending, Provisioning, Ready, Degraded, Stopping, Stopped, Resuming, Terminating, Failed"),
		"conditions": map[string]any{"type": "array", "items": obj("", nil)},
		"services":   map[string]any{"type": "array", "items": obj("", nil)}}),
	"EnvironmentList": obj("", map[string]any{
		"items":    map[string]any{"type": "array", "items": schemaRef("EnvironmentListItem")},
		"continue": typ("string", "token of the next page")}),
	"EnvironmentListItem": obj("an environment, running (active) or deleted (historical)", map[string]any{
		"state": typ("string", "active or historical"), "name": typ("string", ""), "uid": typ("string", ""),
		"displayName": typ("string", ""), "createdBy": typ("string", ""), "createdAt": typ("string", "RFC 3339"),
		"deletedAt": typ("string", "RFC 3339; historical, or active and being deleted"), "services": typ("integer", ""),
		"phase": typ("string", "of an active environment"), "record": typ("string", "the EnvironmentRecord of a historical one")}),
	"EnvironmentStatus": obj("", map[string]any{
		"name": typ("string", ""), "generation": typ("integer", ""), "status": schemaRef("EnvironmentPhaseStatus")}),
	"Validation": obj("", map[string]any{"valid": typ("boolean", ""), "nameInUse": typ("boolean", "an environment of this name exists; the blueprint is valid all the same"), "environment": schemaRef("Environment")}),
	"LogLines":   obj("", map[string]any{"lines": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}),
	"IdentityVerification": obj("IdentityReview status", map[string]any{
		"authenticated": typ("boolean", ""), "organization": typ("string", ""), "user": obj("", nil),
		"signatures": obj("", map[string]any{"classical": typ("boolean", ""), "postQuantum": typ("boolean", "")})}),
	"FederationTokenRequest": obj("", map[string]any{
		"audience": typ("string", ""), "expirationSeconds": typ("integer", "at most 600, default 300")}),
	"FederatedToken": obj("", map[string]any{"token": typ("string", ""), "expirationTimestamp": typ("string", "")}),
	"Organization":   obj("a stax.microstax.ai/v1alpha1 Organization", map[string]any{"metadata": obj("", nil), "spec": obj("", nil)}),
}
