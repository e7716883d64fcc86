package gateway

import (
	"encoding/json"
	"net/http"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

var identityRoutes = []*Route{
	{Method: "GET", Path: "/v1/identity/verify", Tag: tagGovernance, Summary: "Verify the caller's token and organization scope",
		Call: "create identityreviews", Success: 200, Data: schemaReview, serve: verifyIdentity},
	{Method: "POST", Path: "/v1/auth/federation/token", Tag: tagGovernance, Summary: "Mint a short-lived federated token",
		Call: "create federatedtokenrequests", Success: 201, Errors: []int{413, 415, 422}, Body: schemaTokenSpec,
		Example: map[string]any{"audience": "billing.example.com", "expirationSeconds": 300}, Data: schemaTokenStatus,
		serve: federationToken},
}

// verifyIdentity reviews the caller's own token for its organization.
func verifyIdentity(g *Gateway, r *request) error {
	status, err := g.verifier.review(r.ctx(), r.token, r.org)
	if err != nil {
		return err
	}
	return r.writeValue(http.StatusOK, status)
}

// federationToken mints a federated token of the caller's organization;
// the body is the FederatedTokenRequest's spec.
func federationToken(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{
		"apiVersion": "stax.microstax.ai/v1alpha1", "kind": "FederatedTokenRequest",
		"metadata": map[string]string{"namespace": r.org}, "spec": fields,
	})
	var req staxv1.FederatedTokenRequest
	if err := into(r.ctx(), g.up.verb(http.MethodPost).Namespace(r.org).Resource("federatedtokenrequests").
		Param("fieldValidation", strict).Body(body), &req); err != nil {
		return err
	}
	return r.writeValue(http.StatusCreated, req.Status)
}
