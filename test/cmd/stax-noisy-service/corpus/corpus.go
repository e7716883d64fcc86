// Package corpus is what stax-noisy-service's two versions are known to do
// differently, and the requests to find it with: the diff engine's corpus
// test and the shadow e2e test share it.
package corpus

import (
	"fmt"
	"math/rand/v2"
)

// Endpoints are the route patterns the service answers on, as the diff
// engine should learn them.
var Endpoints = []string{
	"GET /accounts/{id}/balance",
	"GET /orders/{id}",
	"GET /products/{id}",
	"GET /reports/{id}",
	"GET /search",
	"GET /users/{id}",
}

// Change is one behaviour change the candidate injects.
type Change struct {
	Endpoint, Field string
	// Kind is the diff engine's kind of the difference.
	Kind string
	What string
}

// Changes are every injected behaviour change: a report of the corpus
// should have each as a Difference, and nothing else.
var Changes = []Change{
	{"GET /users/{id}", "body.email", "missing", "a field removed"},
	{"GET /users/{id}", "body.tier", "value", "a value changed for a subset of inputs: ids divisible by 4 are platinum"},
	{"GET /orders/{id}", "body.currency", "added", "a field added"},
	{"GET /orders/{id}", "body.total", "type", "a type changed: the number became a string"},
	{"GET /orders/{id}", "status", "error", "errors for a subset of requests: 500 for one order in ten"},
	{"GET /products/{id}", "body.stock", "missing", "a field renamed (stock → inStock): the old name gone"},
	{"GET /products/{id}", "body.inStock", "added", "a field renamed (stock → inStock): the new name"},
	{"GET /accounts/{id}/balance", "status", "status", "a status code changed: 402 instead of 200 for overdrawn accounts"},
	{"GET /search", "header:Cache-Control", "value", "a header changed: no-store instead of max-age=60"},
	{"GET /search", "body.results", "order", "a meaningful array reordered: results by ascending score"},
	{"GET /reports/{id}", "body", "value", "a non-JSON body changed: a footer line added"},
}

// Noise lists fields that differ between two instances of the same
// version: a report of the corpus should have none as a Difference, and
// those always differing as Noise. (Date, and the set-like arrays once
// learnt, differ too rarely to be listed.)
var Noise = []Change{
	{"GET /users/{id}", "body.lastSeen", "value", "a timestamp"},
	{"GET /users/{id}", "body.meta.requestId", "value", "a request id"},
	{"GET /users/{id}", "body.meta.instance", "value", "a per-instance id"},
	{"GET /users/{id}", "body.meta.served", "value", "a per-instance counter"},
	{"GET /users/{id}", "header:X-Request-Id", "value", "a request id"},
	{"GET /users/{id}", "header:X-Instance", "value", "a per-instance id"},
	{"GET /orders/{id}", "body.trace", "value", "a random value"},
	{"GET /orders/{id}", "body.meta.requestId", "value", "a request id"},
	{"GET /products/{id}", "body.views", "value", "a random value"},
	{"GET /products/{id}", "body.meta.served", "value", "a per-instance counter"},
	{"GET /accounts/{id}/balance", "body.asOf", "value", "a timestamp"},
	{"GET /search", "body.took", "value", "a random value"},
	{"GET /search", "body.meta.generatedAt", "value", "a timestamp"},
}

// Request is one request of the corpus.
type Request struct {
	Method, Path, Query string
}

// URI is the request's path and query.
func (r Request) URI() string {
	if r.Query == "" {
		return r.Path
	}
	return r.Path + "?" + r.Query
}

var (
	adjectives = []string{"red", "blue", "green", "tall", "small", "oak", "steel", "soft", "round", "quiet"}
	nouns      = []string{"chair", "lamp", "desk", "shelf", "sofa", "rug", "stool", "bench", "mirror", "clock"}
	words      = []string{"shoes", "coat", "hat", "scarf", "boots", "gloves", "socks", "belt", "bag", "shirt",
		"jeans", "dress", "skirt", "tie", "vest", "cap", "jacket", "sweater", "shorts", "sandals"}
)

// Requests are perEndpoint requests to each endpoint, shuffled, with
// ids, names and queries drawn from seed: the same seed, the same
// requests.
func Requests(seed uint64, perEndpoint int) []Request {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []Request
	for range perEndpoint {
		out = append(out,
			Request{Method: "GET", Path: fmt.Sprintf("/users/%d", 1+rng.IntN(1000))},
			Request{Method: "GET", Path: "/orders/" + uuid(rng)},
			Request{Method: "GET", Path: "/products/" + adjectives[rng.IntN(len(adjectives))] + "-" + nouns[rng.IntN(len(nouns))]},
			Request{Method: "GET", Path: fmt.Sprintf("/accounts/%d%011x/balance", rng.IntN(10), rng.Uint64()>>20)},
			Request{Method: "GET", Path: "/search", Query: "q=" + words[rng.IntN(len(words))]},
			Request{Method: "GET", Path: fmt.Sprintf("/reports/%d", 1+rng.IntN(500))},
		)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func uuid(rng *rand.Rand) string {
	a, b := rng.Uint64(), rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, 0x8000|b>>48&0x3fff, b&0xffffffffffff)
}
