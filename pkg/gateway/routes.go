package gateway

import (
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// MethodWebSocket marks a route served as a WebSocket (a GET upgrade).
const MethodWebSocket = "WS"

// Route is one row of the /v1 API: what a client asks, the one apiserver
// call it becomes, and what it answers. The same rows serve requests and
// make the OpenAPI document.
type Route struct {
	Method  string // GET, POST, PATCH, DELETE or WS
	Path    string // {id} is the environment's name
	Summary string
	Call    string  // the apiserver call
	Success int     // status of a successful answer
	Errors  []int   // statuses of refusals this route can give
	Query   []Param // query parameters
	Body    string  // schema of the request body, "" for none
	Data    string  // schema of data in the envelope
	serve   func(g *Gateway, r *request) error
}

// Param is a query parameter.
type Param struct {
	Name, Type, Description string
}

// Routes is the /v1 API. Adding a row is adding a Route and its serve
// function.
var Routes = []*Route{
	{Method: "POST", Path: "/v1/environments", Summary: "Provision a new environment from a Blueprint (JSON or YAML)",
		Call: "create environments", Success: 202, Errors: []int{400, 409, 422}, Body: "EnvironmentRequest", Data: "Environment",
		serve: createEnvironment},
	{Method: "GET", Path: "/v1/environments", Summary: "List active and historical (deleted) environments, in one paged list",
		Call: "list environments, then list environmentrecords", Success: 200, Errors: []int{400, 410},
		Query: []Param{{"state", "string", "active or historical: only those"},
			{"limit", "integer", "page size"}, {"continue", "string", "token of the next page"}},
		Data: "EnvironmentList", serve: listEnvironments},
	{Method: "POST", Path: "/v1/environments/validate", Summary: "Dry-run validation of a Blueprint",
		Call: "create environments?dryRun=All", Success: 200, Errors: []int{400, 422}, Body: "EnvironmentRequest", Data: "Validation",
		serve: validateEnvironment},
	{Method: "GET", Path: "/v1/environments/{id}", Summary: "Retrieve an environment",
		Call: "get environments", Success: 200, Errors: []int{404}, Data: "Environment", serve: getEnvironment},
	{Method: "PATCH", Path: "/v1/environments/{id}", Summary: "Update mutable settings: displayName, autoShutdown",
		Call: "patch environments (merge patch of spec.displayName, spec.autoShutdown)", Success: 200, Errors: []int{400, 404, 409, 422},
		Body: "EnvironmentPatch", Data: "Environment", serve: patchEnvironment},
	{Method: "DELETE", Path: "/v1/environments/{id}", Summary: "Terminate all resources of an environment",
		Call: "delete environments", Success: 202, Errors: []int{404, 409}, Data: "Environment", serve: deleteEnvironment},
	{Method: "POST", Path: "/v1/environments/{id}/stop", Summary: "Pause an environment",
		Call: "create environments/stop", Success: 202, Errors: []int{404, 409}, Data: "Environment", serve: pauseEnvironment("stop")},
	{Method: "POST", Path: "/v1/environments/{id}/resume", Summary: "Resume a stopped environment",
		Call: "create environments/resume", Success: 202, Errors: []int{404, 409}, Data: "Environment", serve: pauseEnvironment("resume")},
	{Method: "GET", Path: "/v1/environments/{id}/status", Summary: "Live service health and status",
		Call: "get environments/status", Success: 200, Errors: []int{404}, Data: "EnvironmentStatus", serve: environmentStatus},
	{Method: "GET", Path: "/v1/environments/{id}/logs", Summary: "Recent log lines of an environment",
		Call: "get environments/log", Success: 200, Errors: []int{400, 404},
		Query: []Param{{"tail", "integer", "last lines of each replica"}, {"since", "string", "seconds or a duration such as 5m"},
			{"service", "string", "one service"}, {"replica", "integer", "one replica of the service"}},
		Data: "LogLines", serve: environmentLogs},
	{Method: MethodWebSocket, Path: "/v1/environments/{id}/logstream", Summary: "Live log lines (WebSocket, one text message a line)",
		Call: "get environments/log?follow=true (+ watch environments for deletion)", Success: 101, Errors: []int{400, 404},
		Query: []Param{{"organization", "string", "organization, for browsers that cannot set headers"},
			{"tail", "integer", "last lines of each replica"}, {"since", "string", "seconds or a duration"},
			{"service", "string", "one service"}, {"replica", "integer", "one replica"}},
		serve: streamLogs},
	{Method: MethodWebSocket, Path: "/v1/environments/{id}/progress", Summary: "Phase and condition changes (WebSocket, one JSON message each)",
		Call: "watch environments?fieldSelector=metadata.name={id}", Success: 101, Errors: []int{404},
		Query: []Param{{"organization", "string", "organization, for browsers that cannot set headers"}},
		serve: streamProgress},
	{Method: "GET", Path: "/v1/identity/verify", Summary: "Verify the caller's token and organization scope",
		Call: "create identityreviews", Success: 200, Data: "IdentityVerification", serve: verifyIdentity},
	{Method: "POST", Path: "/v1/auth/federation/token", Summary: "Mint a short-lived federated token",
		Call: "create federatedtokenrequests", Success: 201, Errors: []int{400, 422}, Body: "FederationTokenRequest", Data: "FederatedToken",
		serve: federationToken},
	{Method: "GET", Path: "/v1/organization", Summary: "The caller's organization",
		Call: "get organizations/{X-Organization-ID}", Success: 200, Errors: []int{404}, Data: "Organization", serve: getOrganization},
}

// commonErrors can come from every route: credentials, rate limit.
var commonErrors = []int{400, 401, 403, 429}

var routeResource = schema.GroupResource{Resource: "routes"}

// pattern is the ServeMux pattern of the route.
func (rt *Route) pattern() string {
	m := rt.Method
	if m == MethodWebSocket {
		m = http.MethodGet
	}
	return m + " " + rt.Path
}

// envPath is the apiserver path of the caller's environments, one of them,
// or a subresource of it.
func envPath(org string, nameAndSub ...string) string {
	p := groupPath + "/namespaces/" + org + "/environments"
	if len(nameAndSub) > 0 {
		p += "/" + strings.Join(nameAndSub, "/")
	}
	return p
}
