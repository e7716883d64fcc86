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

func TestStubReaderReadsStubsOnly(t *testing.T) {
	reader := UserFor(&identity.Result{Subject: "system:stax:stub:acme", Org: "acme", Groups: []string{StubReaderClaim, OrganizationAdminClaim}})
	if !IsStubReader(reader, "acme") || IsStubReader(reader, "globex") || slices.Contains(reader.GetGroups(), StubReaderClaim) {
		t.Fatalf("stub reader groups: %v", reader.GetGroups())
	}
	member := UserFor(&identity.Result{Subject: "alice", Org: "acme"})
	if IsStubReader(member, "acme") {
		t.Fatal("a member is no stub reader")
	}
	scope := NewOrganizationScope()
	cases := []struct {
		name string
		attr authorizer.AttributesRecord
		want authorizer.Decision
	}{
		{"gets a stub", res(reader, "get", "stubs", "acme", "petstore"), authorizer.DecisionAllow},
		{"lists stubs", res(reader, "list", "stubs", "acme", ""), authorizer.DecisionAllow},
		{"reads a document", sub(res(reader, "get", "stubs", "acme", "petstore"), "document"), authorizer.DecisionAllow},
		{"uploads a document", sub(res(reader, "update", "stubs", "acme", "petstore"), "document"), authorizer.DecisionDeny},
		{"creates a stub", res(reader, "create", "stubs", "acme", ""), authorizer.DecisionDeny},
		{"deletes a stub", res(reader, "delete", "stubs", "acme", "petstore"), authorizer.DecisionDeny},
		{"reads another organization's stub", res(reader, "get", "stubs", "globex", "petstore"), authorizer.DecisionDeny},
		{"reads an environment", res(reader, "get", "environments", "acme", "shop"), authorizer.DecisionDeny},
		{"reads its organization, admin claim or not", res(reader, "get", "organizations", "", "acme"), authorizer.DecisionDeny},
		{"patches its organization", res(reader, "patch", "organizations", "", "acme"), authorizer.DecisionDeny},
		{"mints a federated token", res(reader, "create", "federatedtokenrequests", "acme", ""), authorizer.DecisionDeny},
		{"member still creates stubs", res(member, "create", "stubs", "acme", ""), authorizer.DecisionAllow},
	}
	for _, tc := range cases {
		got, reason, err := scope.Authorize(context.Background(), tc.attr)
		if err != nil || got != tc.want {
			t.Errorf("%s: decision %v (%s) %v, want %v", tc.name, got, reason, err, tc.want)
		}
	}
	discovery := authorizer.AttributesRecord{User: reader, Verb: "get", Path: "/apis/stax.microstax.ai/v1alpha1"}
	if got, _, _ := scope.Authorize(context.Background(), discovery); got != authorizer.DecisionAllow {
		t.Errorf("discovery: %v", got)
	}
}

// A diff writer's token writes its organization's diff results and reads
// its environments, nothing more; nobody else with a token writes diffs.
func TestOrganizationScopeForDiffWriters(t *testing.T) {
	writer := UserFor(&identity.Result{Subject: "stax-shadow", Org: "acme", Groups: []string{DiffWriterClaim}})
	admin := UserFor(&identity.Result{Subject: "ada", Org: "acme", Groups: []string{OrganizationAdminClaim}})
	member := UserFor(&identity.Result{Subject: "alice", Org: "acme"})
	if !IsDiffWriter(writer, "acme") || IsDiffWriter(writer, "globex") || IsDiffWriter(member, "acme") {
		t.Fatalf("diff writer groups: %v", writer.GetGroups())
	}
	if slices.Contains(writer.GetGroups(), DiffWriterClaim) {
		t.Errorf("the raw claim became a group: %v", writer.GetGroups())
	}
	scope := NewOrganizationScope()
	cases := []struct {
		name string
		attr authorizer.AttributesRecord
		want authorizer.Decision
	}{
		{"writer creates a diff", res(writer, "create", "environmentdiffs", "acme", "feature"), authorizer.DecisionAllow},
		{"writer updates a diff", res(writer, "update", "environmentdiffs", "acme", "feature"), authorizer.DecisionAllow},
		{"writer reads a diff", res(writer, "get", "environmentdiffs", "acme", "feature"), authorizer.DecisionAllow},
		{"writer deletes a diff", res(writer, "delete", "environmentdiffs", "acme", "feature"), authorizer.DecisionDeny},
		{"writer writes another organization's diff", res(writer, "update", "environmentdiffs", "globex", "feature"), authorizer.DecisionDeny},
		{"writer reads environments", res(writer, "list", "environments", "acme", ""), authorizer.DecisionAllow},
		{"writer patches an environment", res(writer, "patch", "environments", "acme", "feature"), authorizer.DecisionDeny},
		{"writer sets shadow", sub(res(writer, "patch", "environments", "acme", "feature"), "shadow"), authorizer.DecisionDeny},
		{"writer reads logs", sub(res(writer, "get", "environments", "acme", "feature"), "log"), authorizer.DecisionDeny},
		{"writer reads secrets", res(writer, "list", "secrets", "acme", ""), authorizer.DecisionDeny},
		{"member writes a diff", res(member, "update", "environmentdiffs", "acme", "feature"), authorizer.DecisionDeny},
		{"admin creates a diff", res(admin, "create", "environmentdiffs", "acme", "feature"), authorizer.DecisionDeny},
		{"member reads a diff", res(member, "get", "environmentdiffs", "acme", "feature"), authorizer.DecisionAllow},
		{"member reads diffs", sub(res(member, "get", "environments", "acme", "feature"), "diffs"), authorizer.DecisionAllow},
		{"member sets shadow", sub(res(member, "patch", "environments", "acme", "feature"), "shadow"), authorizer.DecisionAllow},
	}
	for _, tc := range cases {
		got, reason, err := scope.Authorize(context.Background(), tc.attr)
		if err != nil || got != tc.want {
			t.Errorf("%s: decision %v (%s) %v, want %v", tc.name, got, reason, err, tc.want)
		}
	}
}
