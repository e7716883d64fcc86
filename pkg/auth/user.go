// Package auth turns hybrid-signed tokens into Kubernetes users and keeps a
// token's holder inside its organization.
package auth

import (
	"strings"

	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/microstax/stax/pkg/identity"
)

// Keys of user extras set for token users. Extras travel with the request
// (and through kube-apiserver as X-Remote-Extra- headers).
const (
	// ExtraOrganization is the organization the token is scoped to.
	ExtraOrganization = "stax.microstax.ai/organization"
	// ExtraPostQuantumVerified is "true" when the ML-DSA-65 proof verified.
	ExtraPostQuantumVerified = "stax.microstax.ai/post-quantum-verified"
	// ExtraActor is the RFC 8693 actor chain, outermost first, joined by ",".
	ExtraActor = "stax.microstax.ai/actor"
	// OrganizationGroupPrefix prefixes the group naming a user's organization.
	OrganizationGroupPrefix = "stax.microstax.ai:org:"
)

// UserFor maps a verified token to a user.
func UserFor(r *identity.Result) user.Info {
	groups := []string{user.AllAuthenticated}
	for _, g := range r.Groups {
		// A token never grants Kubernetes' own reserved groups.
		if !strings.HasPrefix(g, "system:") {
			groups = append(groups, g)
		}
	}
	extra := map[string][]string{
		ExtraPostQuantumVerified:                     {boolString(r.PostQuantumVerified)},
		"authentication.kubernetes.io/credential-id": {"JTI=" + r.ID},
	}
	if r.Org != "" {
		groups = append(groups, OrganizationGroupPrefix+r.Org)
		extra[ExtraOrganization] = []string{r.Org}
	}
	if chain := actorChain(r.Actor); chain != "" {
		extra[ExtraActor] = []string{chain}
	}
	return &user.DefaultInfo{Name: r.Subject, Groups: groups, Extra: extra}
}

// OrganizationOf is the organization a user's token is scoped to, if any.
func OrganizationOf(u user.Info) (string, bool) {
	if u == nil {
		return "", false
	}
	orgs := u.GetExtra()[ExtraOrganization]
	if len(orgs) != 1 || orgs[0] == "" {
		return "", false
	}
	return orgs[0], true
}

// ActorOf rebuilds the actor chain a user's token carried, so a token minted
// on that user's behalf nests it (RFC 8693 §4.1).
func ActorOf(u user.Info) *identity.Actor {
	v := u.GetExtra()[ExtraActor]
	if len(v) != 1 || v[0] == "" {
		return nil
	}
	var head *identity.Actor
	tail := &head
	for _, sub := range strings.Split(v[0], ",") {
		a := &identity.Actor{Subject: sub}
		*tail = a
		tail = &a.Actor
	}
	return head
}

func actorChain(a *identity.Actor) string {
	var subs []string
	for ; a != nil; a = a.Actor {
		subs = append(subs, a.Subject)
	}
	return strings.Join(subs, ",")
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
