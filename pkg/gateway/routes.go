package gateway

import (
	"net/http"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// MethodWebSocket marks a route served as a WebSocket (a GET upgrade).
const MethodWebSocket = "WS"

// Tags group the operations of the OpenAPI document as the reference does.
const (
	tagEnvironments = "Environments"
	tagBranching    = "Branching"
	tagGovernance   = "Identity & Governance"
	tagAITools      = "AI tools"
)

// Route is one row of the /v1 API: what a client asks, the apiserver calls
// it becomes, and what it answers. The same rows serve requests and make
// the OpenAPI document.
type Route struct {
	Method  string // GET, POST, PATCH, DELETE or WS
	Path    string // {id} is the name of the resource of the path
	Tag     string
	Summary string
	Call    string  // the apiserver calls
	Success int     // status of a successful answer
	Errors  []int   // statuses of refusals this route can give
	Query   []Param // query parameters
	Body    string  // schema of the request body, "" for none
	// Example is a request body that validates against Body and that the
	// server accepts (tested).
	Example any
	Data    string   // schema of data in the envelope
	Headers []string // headers of a successful answer besides those of every answer
	serve   func(g *Gateway, r *request) error
}

// Param is a query parameter.
type Param struct {
	Name, Type, Description string
}

// Routes is the /v1 API: each resource's rows live beside their handlers.
var Routes = slices.Concat(environmentRoutes, logRoutes, baselineRoutes, branchingRoutes, identityRoutes, organizationRoutes, usageRoutes, complianceRoutes, driftPolicyRoutes, stubRoutes, diagnoseRoutes)

// commonErrors can come from every route: credentials, rate limit.
var commonErrors = []int{400, 401, 403, 429}

var routeResource = schema.GroupResource{Resource: "routes"}

// pattern is the ServeMux pattern of the route.
func (rt *Route) pattern() string {
	return rt.httpMethod() + " " + rt.Path
}

// httpMethod is the method of the route's requests: a WebSocket is a GET.
func (rt *Route) httpMethod() string {
	if rt.Method == MethodWebSocket {
		return http.MethodGet
	}
	return rt.Method
}

// allowedMethods are the methods of the routes whose path matches path: a
// request that reaches the catch-all with one of them used a wrong method.
func allowedMethods(path string) []string {
	var out []string
	for _, rt := range Routes {
		if m := rt.httpMethod(); pathMatches(rt.Path, path) && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// pathMatches reports whether path fits pattern, where {name} stands for
// one non-empty segment, as in the ServeMux patterns of the routes.
func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if xs[i] == "" {
				return false
			}
		} else if ps[i] != xs[i] {
			return false
		}
	}
	return true
}
