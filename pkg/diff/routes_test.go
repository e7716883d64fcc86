package diff

import (
	"fmt"
	"strings"
	"testing"
)

func TestLooksLikeID(t *testing.T) {
	for s, want := range map[string]bool{
		"123":                                  true,
		"0":                                    true,
		"3f2a9c1e-7b4d-4e2a-9f1c-0a1b2c3d4e5f": true,
		"3F2A9C1E-7B4D-4E2A-9F1C-0A1B2C3D4E5F": true,
		"5f3c2a1b":                             true, // hex, 8, a digit
		"0a1b2c3d4e5f":                         true,
		"dGhpcyBpcyBhIHRva2Vu1":                true, // base64-ish
		"a1B2c3D4e5F6g7H8":                     true,
		"users":                                false,
		"v1":                                   false,
		"deadbeef":                             false, // hex but no digit: could be a word
		"5f3c2a1":                              false, // hex, too short
		"balance":                              false,
		"release-2024":                         false, // too short to be a token
		"":                                     false,
		"a.b":                                  false,
		"3f2a9c1e-7b4d-4e2a-9f1c-0a1b2c3d4e5g": true, // not a UUID, still a long token
	} {
		if got := looksLikeID(s); got != want {
			t.Errorf("looksLikeID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestRoutes(t *testing.T) {
	for _, tc := range []struct {
		name        string
		cardinality int
		paths       []string // GET each, in order
		want        string   // pattern of the last
	}{
		{"root", 0, []string{"/"}, "GET /"},
		{"empty", 0, []string{""}, "GET /"},
		{"literal", 0, []string{"/healthz"}, "GET /healthz"},
		{"number", 0, []string{"/users/123"}, "GET /users/{id}"},
		{"slashes folded", 0, []string{"//users//123/"}, "GET /users/{id}"},
		{"uuid and below", 0, []string{"/orders/3f2a9c1e-7b4d-4e2a-9f1c-0a1b2c3d4e5f/items/7"}, "GET /orders/{id}/items/{id}"},
		{"hex", 0, []string{"/accounts/0a1b2c3d4e5f/balance"}, "GET /accounts/{id}/balance"},
		{"literals under the cardinality", 4, []string{"/p/chair", "/p/lamp", "/p/desk"}, "GET /p/desk"},
		{"the cardinality-th is a parameter", 4, []string{"/p/chair", "/p/lamp", "/p/desk", "/p/sofa"}, "GET /p/{id}"},
		{"and a seen literal after it", 4, []string{"/p/chair", "/p/lamp", "/p/desk", "/p/sofa", "/p/chair"}, "GET /p/{id}"},
		{"and what was learnt under it", 4, []string{"/p/chair/reviews", "/p/lamp", "/p/desk", "/p/sofa", "/p/lamp/reviews"}, "GET /p/{id}/reviews"},
		{"methods apart", 2, []string{"POST /p/chair", "/p/chair"}, "GET /p/chair"},
		{"deep paths cut", 0, []string{"/" + strings.Repeat("a/", 20)}, "GET " + strings.Repeat("/a", maxSegments) + "/…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cardinality == 0 {
				tc.cardinality = DefaultRouteCardinality
			}
			r := newRouter(tc.cardinality, 1000)
			var got string
			for _, p := range tc.paths {
				method := "GET"
				if m, rest, ok := strings.Cut(p, " "); ok {
					method, p = m, rest
				}
				got, _ = r.route(method, p)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRoutesRepatternAndSeed(t *testing.T) {
	r := newRouter(3, 1000)
	if _, relearnt := r.route("GET", "/p/chair"); relearnt {
		t.Error("a first literal relearnt something")
	}
	r.route("GET", "/p/lamp")
	if got := r.repattern("GET /p/chair"); got != "GET /p/chair" {
		t.Errorf("before learning, repattern = %q", got)
	}
	if p, relearnt := r.route("GET", "/p/desk"); !relearnt || p != "GET /p/{id}" {
		t.Errorf("third literal: %q, relearnt %v", p, relearnt)
	}
	for _, old := range []string{"GET /p/chair", "GET /p/{id}"} {
		if got := r.repattern(old); got != "GET /p/{id}" {
			t.Errorf("repattern(%q) = %q", old, got)
		}
	}
	if got := r.repattern("GET /other/x"); got != "GET /other/x" {
		t.Errorf("repattern of an unknown pattern = %q", got)
	}

	// Seeded from a stored report: a parameter alone at its position is
	// learnt; one beside literals is not.
	s := newRouter(100, 1000)
	s.seed([]string{"GET /products/{id}", "GET /users/{id}", "GET /users/me"})
	for path, want := range map[string]string{
		"/products/chair": "GET /products/{id}",
		"/users/me":       "GET /users/me",
		"/users/alice":    "GET /users/alice",
		"/users/17":       "GET /users/{id}",
	} {
		if got, _ := s.route("GET", path); got != want {
			t.Errorf("after seed, %s is %q, want %q", path, got, want)
		}
	}
}

func TestRoutesBounded(t *testing.T) {
	r := newRouter(1000, 10)
	var last string
	for i := range 50 {
		last, _ = r.route("GET", fmt.Sprintf("/x%c/y", 'a'+i%26)+strings.Repeat("z", i/26))
	}
	if r.nodes > 10 {
		t.Errorf("%d nodes, bound 10", r.nodes)
	}
	if last != "GET /{id}/{id}" {
		t.Errorf("past the bound, a new path is %q", last)
	}
}
