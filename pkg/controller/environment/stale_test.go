package environment

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func TestStaleCache(t *testing.T) {
	at := func(rv string) *staxv1.Environment {
		return &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "web", ResourceVersion: rv}}
	}
	var s staleCache
	if s.behind(at("5")) {
		t.Fatal("nothing written: the cache cannot be behind")
	}
	s.wrote(at("5"), at("6"))
	if !s.behind(at("5")) {
		t.Fatal("the cache still holds the version the write replaced")
	}
	if s.behind(at("6")) {
		t.Fatal("the cache holds the write")
	}
	if s.behind(at("5")) {
		t.Fatal("once the cache moved on, the record is gone")
	}

	s.wrote(at("7"), at("7")) // a store that keeps versions still
	if s.behind(at("7")) {
		t.Fatal("an unchanged version must not stall the controller")
	}
	s.wrote(at("8"), at("9"))
	s.forget("acme/web")
	if s.behind(at("8")) {
		t.Fatal("a forgotten environment is not behind")
	}
}
