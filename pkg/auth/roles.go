package auth

import (
	"slices"

	"k8s.io/apiserver/pkg/authentication/user"
)

// OrganizationAdminClaim, in a token's "groups" claim, makes the holder an
// admin of the token's organization. It is never a Kubernetes group itself:
// UserFor turns it into OrganizationAdminsGroup(org), so that the group a
// binding names is tied to one organization.
const OrganizationAdminClaim = "stax:org-admin"

// OrganizationAdminsGroup is the Kubernetes group of org's admins, the
// subject RBAC bindings name in aggregated mode. An organization name is a
// DNS label (no ":"), so the name is unambiguous.
func OrganizationAdminsGroup(org string) string { return OrganizationGroupPrefix + org + ":admins" }

// IsOrganizationAdmin is the one statement of who administers org: a member
// of its admins group, or a platform admin (system:masters). Admins change
// the Organization's own settings and revoke others' tokens; the platform's
// fields (tier, request rate, quota) stay with platform admins
// (IsPlatformPrincipal).
func IsOrganizationAdmin(u user.Info, org string) bool {
	if u == nil || org == "" {
		return false
	}
	groups := u.GetGroups()
	return slices.Contains(groups, user.SystemPrivilegedGroup) || slices.Contains(groups, OrganizationAdminsGroup(org))
}

// IsPlatformPrincipal says u is not confined to an organization: a client
// certificate, a delegated cluster user. Whoever of them the authorizer
// lets write an Organization owns the platform's fields of it; a token of
// an organization never does, admin or not.
func IsPlatformPrincipal(u user.Info) bool {
	_, scoped := OrganizationOf(u)
	return u != nil && !scoped
}

// StubReaderClaim, in a token's "groups" claim, confines the holder to
// reading its organization's Stubs and their documents: the credential a
// runtime hands stax-stub (pkg/stubaccess). UserFor turns it into
// StubReadersGroup(org); the organization scope then allows nothing else,
// whatever other groups the token names.
const StubReaderClaim = "stax:stub-reader"

// StubReadersGroup is the Kubernetes group of org's stub readers.
func StubReadersGroup(org string) string { return OrganizationGroupPrefix + org + ":stub-readers" }

// IsStubReader says u holds a stub reader's token of org.
func IsStubReader(u user.Info, org string) bool {
	return u != nil && org != "" && slices.Contains(u.GetGroups(), StubReadersGroup(org))
}

// DiffWriterClaim, in a token's "groups" claim, makes it the credential of
// a mirroring front: it writes its organization's diff results
// (environmentdiffs) and reads its environments, and nothing else
// (NewOrganizationScope). Like the admin claim it is never a group itself:
// UserFor turns it into DiffWritersGroup(org).
const DiffWriterClaim = "stax:diff-writer"

// DiffWritersGroup is the Kubernetes group of org's diff writers, the
// subject RBAC bindings name in aggregated mode.
func DiffWritersGroup(org string) string { return OrganizationGroupPrefix + org + ":diff-writers" }

// IsDiffWriter is the one statement of who holds a diff writer's
// credential of org: a member of its diff writers group.
func IsDiffWriter(u user.Info, org string) bool {
	return u != nil && org != "" && slices.Contains(u.GetGroups(), DiffWritersGroup(org))
}
