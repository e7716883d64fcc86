// Package auth turns hybrid-signed tokens into Kubernetes users and keeps a
// token's holder inside its organization.
package auth

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// ExtraTokenID, ExtraTokenExpiresAt (Unix seconds) and ExtraTokenChain
	// (the ancestors' jtis, root first) describe the token itself, so that a
	// token minted from it can descend from it (see ParentTokenOf).
	ExtraTokenID        = "stax.microstax.ai/token-id"
	ExtraTokenExpiresAt = "stax.microstax.ai/token-expires-at"
	ExtraTokenChain     = "stax.microstax.ai/token-chain"
	// OrganizationGroupPrefix prefixes the group naming a user's organization.
	OrganizationGroupPrefix = "stax.microstax.ai:org:"
	// reservedGroupPrefix prefixes every group the server derives; a
	// token's groups claim cannot name one.
	reservedGroupPrefix = "stax.microstax.ai:"
)

// UserFor maps a verified token to a user.
func UserFor(r *identity.Result) user.Info {
	groups := []string{user.AllAuthenticated}
	admin, stubReader, diffWriter := false, false, false
	for _, g := range r.Groups {
		switch {
		case g == OrganizationAdminClaim:
			admin = true
		case g == StubReaderClaim:
			stubReader = true
		case g == DiffWriterClaim:
			diffWriter = true
		// A token never grants Kubernetes' own reserved groups, nor ours:
		// the organization groups are derived from the org claim only.
		case strings.HasPrefix(g, "system:"), strings.HasPrefix(g, reservedGroupPrefix):
		default:
			groups = append(groups, g)
		}
	}
	extra := map[string][]string{
		ExtraPostQuantumVerified:                     {boolString(r.PostQuantumVerified)},
		"authentication.kubernetes.io/credential-id": {"JTI=" + r.ID},
		ExtraTokenID:        {r.ID},
		ExtraTokenExpiresAt: {strconv.FormatInt(r.ExpiresAt.Unix(), 10)},
	}
	if len(r.Chain) > 0 {
		extra[ExtraTokenChain] = slices.Clone(r.Chain)
	}
	if r.Org != "" {
		groups = append(groups, OrganizationGroupPrefix+r.Org)
		if admin {
			groups = append(groups, OrganizationAdminsGroup(r.Org))
		}
		if stubReader {
			groups = append(groups, StubReadersGroup(r.Org))
		}
		if diffWriter {
			groups = append(groups, DiffWritersGroup(r.Org))
		}
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

// ParentToken is the token a user authenticated with, as a parent of
// tokens minted on its behalf.
type ParentToken struct {
	ID        string
	Org       string
	ExpiresAt time.Time
	Chain     []string
}

// ParentTokenOf returns the token u authenticated with, or nil when u did
// not authenticate with one of our tokens (a client certificate, say). A
// user whose token extras are damaged is an error, not a user without a
// token: minting for it must fail closed.
func ParentTokenOf(u user.Info) (*ParentToken, error) {
	extra := u.GetExtra()
	ids, ok := extra[ExtraTokenID]
	if !ok {
		return nil, nil
	}
	exps := extra[ExtraTokenExpiresAt]
	if len(ids) != 1 || ids[0] == "" || len(exps) != 1 {
		return nil, errors.New("the calling token's id or expiry is missing")
	}
	exp, err := strconv.ParseInt(exps[0], 10, 64)
	if err != nil {
		return nil, errors.New("the calling token's expiry is not a time")
	}
	org, _ := OrganizationOf(u)
	return &ParentToken{ID: ids[0], Org: org, ExpiresAt: time.Unix(exp, 0).UTC(), Chain: slices.Clone(extra[ExtraTokenChain])}, nil
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
