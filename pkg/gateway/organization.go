package gateway

import "net/http"

var organizationRoutes = []*Route{
	{Method: "GET", Path: "/v1/organization", Tag: tagGovernance, Summary: "The caller's organization",
		Call: "get organizations/{X-Organization-ID}", Success: 200, Errors: []int{404}, Data: schemaOrganization, serve: getOrganization},
}

func getOrganization(g *Gateway, r *request) error {
	return r.forward(g.up.verb(http.MethodGet).Resource("organizations").Name(r.org), http.StatusOK)
}
