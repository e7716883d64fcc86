package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// schemaDriftPolicy is the body of PATCH /v1/organization/drift-policy and
// the data of its answer.
var schemaDriftPolicy = staxv1.DriftPolicy{}.OpenAPIModelName()

var driftPolicyRoutes = []*Route{
	{Method: "PATCH", Path: "/v1/organization/drift-policy", Tag: tagGovernance,
		Summary: "Update organization-wide drift remediation policies (admins of the organization only)",
		Call:    "patch organizations/{X-Organization-ID}/driftpolicy (merge patch of spec.driftPolicy)",
		Success: 200, Errors: []int{404, 413, 415, 422}, Body: schemaDriftPolicy,
		Example: map[string]any{"mode": "remediate", "gracePeriod": "2m",
			"ignore": []any{map[string]any{"services": []any{"db"}, "fields": []any{"replicas"}}}},
		Data: schemaDriftPolicy, serve: patchDriftPolicy},
}

// patchDriftPolicy merges the policy object of the body into the
// organization's spec.driftPolicy through its subresource, which checks
// the caller is an admin and validates; it answers the policy as stored.
func patchDriftPolicy(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	policy, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	// Unknown fields and wrong types are refused here, with the field's
	// path: the apiserver's strict merge patch would quote the whole
	// Organization in its message.
	dec := json.NewDecoder(bytes.NewReader(policy))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&staxv1.DriftPolicy{}); err != nil {
		return apierrors.NewInvalid(staxv1.SchemeGroupVersion.WithKind("Organization").GroupKind(), r.org, field.ErrorList{
			field.Invalid(field.NewPath("spec", "driftPolicy"), string(policy), strings.TrimPrefix(err.Error(), "json: "))})
	}
	var body bytes.Buffer
	body.WriteString(`{"spec":{"driftPolicy":`)
	body.Write(policy)
	body.WriteString(`}}`)
	var org staxv1.Organization
	if err := into(r.ctx(), g.up.verb(http.MethodPatch).Resource("organizations").Name(r.org).SubResource("driftpolicy").
		SetHeader("Content-Type", string(types.MergePatchType)).Param("fieldValidation", strict).Body(body.Bytes()), &org); err != nil {
		return err
	}
	return r.writeValue(http.StatusOK, org.Spec.DriftPolicy)
}
