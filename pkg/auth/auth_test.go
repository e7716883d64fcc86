package auth

import (
	"context"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/microstax/stax/pkg/identity"
)

func TestUserForDropsReservedGroupsAndCarriesScope(t *testing.T) {
	u := UserFor(&identity.Result{Subject: "alice", Org: "acme", Groups: []string{"dev", "system:masters"}, ID: "j1",
		PostQuantumVerified: true, Actor: &identity.Actor{Subject: "bob", Actor: &identity.Actor{Subject: "carol"}}})
	for _, g := range u.GetGroups() {
		if g == user.SystemPrivilegedGroup {
			t.Fatalf("token granted system:masters: %v", u.GetGroups())
		}
	}
	if org, ok := OrganizationOf(u); !ok || org != "acme" {
		t.Fatalf("organization %q %v", org, ok)
	}
	if v := u.GetExtra()[ExtraPostQuantumVerified]; len(v) != 1 || v[0] != "true" {
		t.Fatal("post-quantum verdict lost")
	}
	a := ActorOf(u)
	if a == nil || a.Subject != "bob" || a.Actor == nil || a.Actor.Subject != "carol" || a.Actor.Actor != nil {
		t.Fatalf("actor chain: %+v", a)
	}
}

func TestOrganizationScope(t *testing.T) {
	acme := UserFor(&identity.Result{Subject: "alice", Org: "acme"})
	admin := &user.DefaultInfo{Name: "admin", Groups: []string{user.SystemPrivilegedGroup}}
	scope := NewOrganizationScope()
	cases := []struct {
		name string
		attr authorizer.AttributesRecord
		want authorizer.Decision
	}{
		{"own namespace", res(acme, "list", "environments", "acme", ""), authorizer.DecisionAllow},
		{"other namespace", res(acme, "list", "environments", "globex", ""), authorizer.DecisionDeny},
		{"all namespaces", res(acme, "list", "environments", "", ""), authorizer.DecisionDeny},
		{"own organization", res(acme, "get", "organizations", "", "acme"), authorizer.DecisionAllow},
		{"change own organization", res(acme, "update", "organizations", "", "acme"), authorizer.DecisionDeny},
		{"other organization", res(acme, "get", "organizations", "", "globex"), authorizer.DecisionDeny},
		{"identity review", res(acme, "create", "identityreviews", "", ""), authorizer.DecisionAllow},
		{"core API", authorizer.AttributesRecord{User: acme, Verb: "get", Resource: "secrets", Namespace: "acme", ResourceRequest: true}, authorizer.DecisionDeny},
		{"discovery", authorizer.AttributesRecord{User: acme, Verb: "get", Path: "/apis/stax.microstax.ai/v1alpha1"}, authorizer.DecisionAllow},
		{"metrics", authorizer.AttributesRecord{User: acme, Verb: "get", Path: "/metrics"}, authorizer.DecisionDeny},
		{"not a token user", res(admin, "list", "environments", "globex", ""), authorizer.DecisionNoOpinion},
	}
	for _, tc := range cases {
		got, reason, err := scope.Authorize(context.Background(), tc.attr)
		if err != nil || got != tc.want {
			t.Errorf("%s: decision %v (%s) %v, want %v", tc.name, got, reason, err, tc.want)
		}
	}
}

func res(u user.Info, verb, resource, namespace, name string) authorizer.AttributesRecord {
	return authorizer.AttributesRecord{User: u, Verb: verb, APIGroup: "stax.microstax.ai", Resource: resource,
		Namespace: namespace, Name: name, ResourceRequest: true}
}

func TestTokenAuthenticatorAbstainsOnForeignIssuer(t *testing.T) {
	a := NewTokenAuthenticator(nil, "https://us", false)
	// header.{"iss":"https://them"}.sig: another issuer's token is not ours.
	resp, ok, err := a.AuthenticateToken(context.Background(), "e30.eyJpc3MiOiJodHRwczovL3RoZW0ifQ.c2ln")
	if resp != nil || ok || err != nil {
		t.Fatalf("foreign token: %v %v %v", resp, ok, err)
	}
}
