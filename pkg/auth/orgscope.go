package auth

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/microstax/stax/pkg/apis/stax"
)

// NewOrganizationScope returns an authorizer that confines a token's holder to its organization: the
// organization's namespace (but not secrets/values), its Organization object (read; update and patch for its
// admins), and IdentityReviews; a stub reader's token (StubReaderClaim) to reading its Stubs.
// Everything else is denied outright, so no later authorizer can allow it.
// Users without an organization (client certificates, delegated users) are
// not its business: it has no opinion on them.
func NewOrganizationScope() authorizer.Authorizer {
	return authorizer.AuthorizerFunc(authorizeOrganizationScope)
}

// readOnlyPaths are the non-resource paths a client needs to discover the
// API (kubectl asks for them before anything else).
var readOnlyPaths = []string{"/api", "/apis", "/openapi", "/version", "/healthz", "/readyz", "/livez"}

func authorizeOrganizationScope(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	org, scoped := OrganizationOf(a.GetUser())
	if !scoped {
		return authorizer.DecisionNoOpinion, "", nil
	}
	if IsStubReader(a.GetUser(), org) {
		return authorizeStubReader(a, org)
	}
	if !a.IsResourceRequest() {
		if a.GetVerb() == "get" && hasPathPrefix(a.GetPath(), readOnlyPaths) {
			return authorizer.DecisionAllow, "discovery", nil
		}
		return authorizer.DecisionDeny, fmt.Sprintf("a token of organization %q may not %s %s", org, a.GetVerb(), a.GetPath()), nil
	}
	if IsDiffWriter(a.GetUser(), org) {
		return authorizeDiffWriter(a, org)
	}
	if a.GetAPIGroup() == stax.GroupName {
		switch {
		case a.GetResource() == "environmentdiffs" && !isRead(a.GetVerb()):
			return authorizer.DecisionDeny, "diff results are written by the mirroring fronts only (a token with " + DiffWriterClaim + ")", nil
		case a.GetResource() == "secrets" && a.GetSubresource() == "values":
			return authorizer.DecisionDeny, "secret values are read by the platform only", nil
		case a.GetResource() == "environmentrecords" && !isRead(a.GetVerb()):
			return authorizer.DecisionDeny, "environment records are written by the control plane only", nil
		case a.GetNamespace() == org:
			return authorizer.DecisionAllow, "own organization", nil
		case a.GetResource() == "organizations" && a.GetName() == org && isRead(a.GetVerb()):
			return authorizer.DecisionAllow, "own Organization object", nil
		case a.GetResource() == "organizations" && a.GetName() == org && (a.GetSubresource() == "" || a.GetSubresource() == "driftpolicy") &&
			isChange(a.GetVerb()) && IsOrganizationAdmin(a.GetUser(), org):
			// The registry keeps the platform's fields (tier, quota) out of reach.
			return authorizer.DecisionAllow, "admin of own Organization", nil
		case a.GetResource() == "identityreviews" && a.GetVerb() == "create":
			return authorizer.DecisionAllow, "token review", nil
		}
	}
	return authorizer.DecisionDeny, fmt.Sprintf("a token of organization %q may act only in namespace %q", org, org), nil
}

// authorizeStubReader lets a stub reader's token read its organization's
// Stubs and their documents, and discover the API; nothing else.
func authorizeStubReader(a authorizer.Attributes, org string) (authorizer.Decision, string, error) {
	if !a.IsResourceRequest() {
		if a.GetVerb() == "get" && hasPathPrefix(a.GetPath(), readOnlyPaths) {
			return authorizer.DecisionAllow, "discovery", nil
		}
	} else if a.GetAPIGroup() == stax.GroupName && a.GetResource() == "stubs" && a.GetNamespace() == org &&
		isRead(a.GetVerb()) && (a.GetSubresource() == "" || (a.GetSubresource() == "document" && a.GetVerb() == "get")) {
		return authorizer.DecisionAllow, "stub reader", nil
	}
	return authorizer.DecisionDeny, fmt.Sprintf("a stub reader's token of organization %q may only read its Stubs", org), nil
}

func isRead(verb string) bool { return verb == "get" || verb == "watch" || verb == "list" }

func isChange(verb string) bool { return verb == "update" || verb == "patch" }

func hasPathPrefix(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// authorizeDiffWriter confines a mirroring front's token to what it needs:
// writing the diff results of its organization and reading its
// environments (an overlay's shadow settings).
func authorizeDiffWriter(a authorizer.Attributes, org string) (authorizer.Decision, string, error) {
	if a.GetAPIGroup() == stax.GroupName && a.GetNamespace() == org && a.GetSubresource() == "" {
		switch {
		case a.GetResource() == "environmentdiffs" && (isRead(a.GetVerb()) || a.GetVerb() == "create" || isChange(a.GetVerb())):
			return authorizer.DecisionAllow, "diff writer: own organization's diff results", nil
		case a.GetResource() == "environments" && isRead(a.GetVerb()):
			return authorizer.DecisionAllow, "diff writer: own organization's environments, read", nil
		}
	}
	return authorizer.DecisionDeny, fmt.Sprintf("a diff writer's token of organization %q only writes diff results (environmentdiffs) and reads environments", org), nil
}
