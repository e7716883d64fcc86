package gateway

import (
	"net/http"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

var schemaUsage = staxv1.OrganizationUsage{}.OpenAPIModelName()

var usageRoutes = []*Route{
	{Method: "GET", Path: "/v1/organization/usage", Tag: tagGovernance,
		Summary: "Predictive cost and infrastructure savings analysis: resource-hours and cost over a window, grouped, " +
			"a forecast of the rest of the month and the next 30 days, and savings",
		Call: "get organizations/{X-Organization-ID}/usage", Success: 200, Errors: []int{404, 422},
		Query: []Param{
			{"window", "string", "how far back from now: whole days (7d) or a duration (36h); default 30d"},
			{"aggregate", "string", "environment (default), service, creator or label:<key>"},
			{"step", "string", "cut the window into steps of this length (1d, 1h) for a series"},
		},
		Data: schemaUsage, serve: organizationUsage},
}

// organizationUsage passes the query through as written: the apiserver
// judges it and refuses a bad value with its field.
func organizationUsage(g *Gateway, r *request) error {
	in := r.r.URL.Query()
	req := g.up.verb(http.MethodGet).Resource("organizations").Name(r.org).SubResource("usage")
	for _, k := range []string{"window", "aggregate", "step"} {
		if v := in.Get(k); v != "" {
			req.Param(k, v)
		}
	}
	return r.forward(req, http.StatusOK)
}
