package gateway

import (
	"encoding/json"
	"net/http"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// verifyIdentity reviews the caller's own token for its organization.
func verifyIdentity(g *Gateway, r *request) error {
	status, err := g.verifier.review(r.r.Context(), r.token, r.org, r.id)
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
	data, err := g.up.json(r.r.Context(), r.token, r.id, call{method: http.MethodPost,
		path: groupPath + "/namespaces/" + r.org + "/federatedtokenrequests", query: strict, body: body})
	if err != nil {
		return err
	}
	var req staxv1.FederatedTokenRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return err
	}
	return r.writeValue(http.StatusCreated, req.Status)
}

func getOrganization(g *Gateway, r *request) error {
	return g.forward(r, call{method: http.MethodGet, path: groupPath + "/organizations/" + r.org}, http.StatusOK)
}
