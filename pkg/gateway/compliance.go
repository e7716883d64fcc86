package gateway

import (
	"net/http"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

var schemaComplianceReport = staxv1.ComplianceReport{}.OpenAPIModelName()

var complianceRoutes = []*Route{
	{Method: "GET", Path: "/v1/organization/compliance-report", Tag: tagGovernance,
		Summary: "Behavioural compliance and audit coverage analysis: each control's figure against its threshold and the objects " +
			"that fail it (dual-signature share, audit coverage, owners, auto-shutdown, image digests, drift)",
		Call: "get organizations/{X-Organization-ID}/compliancereport", Success: 200, Errors: []int{404, 422, 503},
		Query: []Param{
			{"window", "string", "how far back the request counters are read: whole days (7d) or a duration (36h); default 7d, at most 31d"},
		},
		Data: schemaComplianceReport, serve: complianceReport},
}

// complianceReport passes the window through as written: the apiserver
// judges it and refuses a bad one with its field.
func complianceReport(g *Gateway, r *request) error {
	req := g.up.verb(http.MethodGet).Resource("organizations").Name(r.org).SubResource("compliancereport")
	if v := r.r.URL.Query().Get("window"); v != "" {
		req.Param("window", v)
	}
	return r.forward(req, http.StatusOK)
}
