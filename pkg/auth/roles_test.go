package auth

import (
	"context"
	"slices"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/microstax/stax/pkg/identity"
)

func TestOrganizationAdminGroupComesFromTheClaimOnly(t *testing.T) {
	admin := UserFor(&identity.Result{Subject: "ada", Org: "acme", Groups: []string{OrganizationAdminClaim}})
	if !IsOrganizationAdmin(admin, "acme") || IsOrganizationAdmin(admin, "globex") {
		t.Errorf("admin claim of acme: groups %v", admin.GetGroups())
	}
	if slices.Contains(admin.GetGroups(), OrganizationAdminClaim) {
		t.Errorf("the raw claim became a group, bindable across organizations: %v", admin.GetGroups())
	}
	// A groups claim cannot name the derived groups of another organization.
	forged := UserFor(&identity.Result{Subject: "mallory", Org: "acme",
		Groups: []string{OrganizationAdminsGroup("globex"), OrganizationGroupPrefix + "globex", "dev"}})
	if IsOrganizationAdmin(forged, "globex") || !slices.Equal(forged.GetGroups(),
		[]string{user.AllAuthenticated, "dev", OrganizationGroupPrefix + "acme"}) {
		t.Errorf("forged groups kept: %v", forged.GetGroups())
	}
	// Without an organization the claim grants nothing.
	if g := UserFor(&identity.Result{Subject: "x", Groups: []string{OrganizationAdminClaim}}).GetGroups(); len(g) != 1 {
		t.Errorf("claim without organization: %v", g)
	}
	if !IsOrganizationAdmin(&user.DefaultInfo{Name: "root", Groups: []string{user.SystemPrivilegedGroup}}, "acme") {
		t.Error("system:masters is an admin of every organization")
	}
	if IsPlatformPrincipal(admin) || !IsPlatformPrincipal(&user.DefaultInfo{Name: "root"}) {
		t.Error("a token of an organization is never a platform principal; a certificate user is")
	}
}

func TestOrganizationScopeForAdmins(t *testing.T) {
	admin := UserFor(&identity.Result{Subject: "ada", Org: "acme", Groups: []string{OrganizationAdminClaim}})
	member := UserFor(&identity.Result{Subject: "alice", Org: "acme"})
	scope := NewOrganizationScope()
	cases := []struct {
		name string
		attr authorizer.AttributesRecord
		want authorizer.Decision
	}{
		{"admin patches own organization", res(admin, "patch", "organizations", "", "acme"), authorizer.DecisionAllow},
		{"admin updates own organization", res(admin, "update", "organizations", "", "acme"), authorizer.DecisionAllow},
		{"admin deletes own organization", res(admin, "delete", "organizations", "", "acme"), authorizer.DecisionDeny},
		{"admin patches another organization", res(admin, "patch", "organizations", "", "globex"), authorizer.DecisionDeny},
		{"admin creates an organization", res(admin, "create", "organizations", "", ""), authorizer.DecisionDeny},
		{"member patches own organization", res(member, "patch", "organizations", "", "acme"), authorizer.DecisionDeny},
		{"member reads own organization", res(member, "get", "organizations", "", "acme"), authorizer.DecisionAllow},
		{"admin patches own drift policy", sub(res(admin, "patch", "organizations", "", "acme"), "driftpolicy"), authorizer.DecisionAllow},
		{"member patches own drift policy", sub(res(member, "patch", "organizations", "", "acme"), "driftpolicy"), authorizer.DecisionDeny},
		{"admin patches another subresource", sub(res(admin, "patch", "organizations", "", "acme"), "usage"), authorizer.DecisionDeny},
	}
	for _, tc := range cases {
		got, reason, err := scope.Authorize(context.Background(), tc.attr)
		if err != nil || got != tc.want {
			t.Errorf("%s: decision %v (%s) %v, want %v", tc.name, got, reason, err, tc.want)
		}
	}
}

func sub(a authorizer.AttributesRecord, subresource string) authorizer.AttributesRecord {
	a.Subresource = subresource
	return a
}
