// Command stax-noisy-service answers like a small shop's API, in two
// versions, for the tests of behavioural diffs. Both versions answer with
// noise that is not a behaviour change: timestamps, request ids, random
// values, per-instance ids and counters, set-like arrays in random order,
// Date headers. The candidate also changes behaviour, in the ways its
// package corpus lists (corpus.Changes), each on a known endpoint and
// field.
//
//	stax-noisy-service --version=baseline|candidate [--seed=N | --seed-from-port] [--listen=ADDR]
//
// --seed draws the instance's id, counter and randomness: two instances
// of one version differ only by noise. --seed-from-port takes the port it
// listens on as the seed, so that the replicas (and a shadow's secondary)
// of one blueprint, which share their arguments, differ too. It listens on --listen, by default
// 127.0.0.1:$PORT, and prints "listening on ADDR" once it does.
//
//	GET /users/{id}             id a number
//	GET /orders/{id}            id a UUID
//	GET /products/{name}
//	GET /accounts/{id}/balance  id a hex token
//	GET /search?q=WORD
//	GET /reports/{id}           text/plain
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microstax/stax/pkg/runtime"
)

func main() {
	version := flag.String("version", "baseline", "baseline or candidate")
	seed := flag.Uint64("seed", 1, "the instance's id, counter and randomness")
	seedFromPort := flag.Bool("seed-from-port", false, "take the port listened on as --seed")
	listen := flag.String("listen", "", "address to listen on (default 127.0.0.1:$"+runtime.EnvPort+")")
	flag.Parse()
	log.SetFlags(0)
	if *version != "baseline" && *version != "candidate" {
		log.Fatalf("--version=%q: want baseline or candidate", *version)
	}
	addr := *listen
	if addr == "" {
		port := os.Getenv(runtime.EnvPort)
		if port == "" {
			log.Fatalf("neither --listen nor $%s is set", runtime.EnvPort)
		}
		addr = "127.0.0.1:" + port
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	if *seedFromPort {
		*seed = uint64(l.Addr().(*net.TCPAddr).Port)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	log.Fatal(http.Serve(l, newService(*version == "candidate", *seed)))
}

// service is one instance. What it answers for an input is the input's
// (hashed), but for the noise, drawn from the instance's rng.
type service struct {
	candidate bool
	instance  string
	served    atomic.Int64

	mu  sync.Mutex
	rng *rand.Rand
}

func newService(candidate bool, seed uint64) http.Handler {
	s := &service{candidate: candidate, rng: rand.New(rand.NewPCG(seed, seed*7+1))}
	s.instance = fmt.Sprintf("i-%08x", s.rng.Uint32())
	s.served.Store(int64(s.rng.IntN(100000)))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", s.user)
	mux.HandleFunc("GET /orders/{id}", s.order)
	mux.HandleFunc("GET /products/{name}", s.product)
	mux.HandleFunc("GET /accounts/{id}/balance", s.balance)
	mux.HandleFunc("GET /search", s.search)
	mux.HandleFunc("GET /reports/{id}", s.report)
	return mux
}

func (s *service) user(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := hashOf("user", r.PathValue("id"))
	name := names[h%uint64(len(names))]
	tier := []string{"gold", "silver", "bronze"}[h/7%3]
	body := map[string]any{
		"id":       id,
		"name":     name,
		"email":    fmt.Sprintf("%s%d@example.com", name, id),
		"tier":     tier,
		"tags":     s.shuffled(pick(tags, h, 3+int(h%3))),
		"lastSeen": time.Now().UTC().Format(time.RFC3339Nano),
	}
	if s.candidate {
		delete(body, "email")
		if id%4 == 0 {
			body["tier"] = "platinum"
		}
	}
	s.writeJSON(w, http.StatusOK, body)
}

func (s *service) order(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h := hashOf("order", id)
	if s.candidate && h%10 == 0 {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var items []any
	var total float64
	for i := range 1 + int(h%4) {
		price := float64(100+hashOf("item", id+strconv.Itoa(i))%9900) / 100
		qty := 1 + i%3
		total += price * float64(qty)
		items = append(items, map[string]any{"line": i + 1, "sku": fmt.Sprintf("SKU-%05d", hashOf("sku", id+strconv.Itoa(i))%100000), "qty": qty, "price": price})
	}
	total = float64(int(total*100+0.5)) / 100
	body := map[string]any{
		"id":     id,
		"status": []string{"placed", "paid", "shipped", "delivered"}[h/3%4],
		"items":  items,
		"total":  total,
		"trace":  s.random().Float64(),
	}
	if s.candidate {
		body["currency"] = "EUR"
		body["total"] = strconv.FormatFloat(total, 'f', 2, 64)
	}
	s.writeJSON(w, http.StatusOK, body)
}

func (s *service) product(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	h := hashOf("product", name)
	var categories []any
	for _, c := range pick(categoryNames, h, 3) {
		categories = append(categories, map[string]any{"slug": c, "label": fmt.Sprint("Category ", c)})
	}
	body := map[string]any{
		"name":       name,
		"price":      float64(h%50000) / 100,
		"stock":      int(h % 50),
		"categories": s.shuffled(categories),
		"views":      s.random().IntN(1000000),
	}
	if s.candidate {
		body["inStock"] = body["stock"]
		delete(body, "stock")
	}
	s.writeJSON(w, http.StatusOK, body)
}

func (s *service) balance(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	balance := int(hashOf("account", id)%2000) - 600 // overdrawn: 30%
	status := http.StatusOK
	if s.candidate && balance < 0 {
		status = http.StatusPaymentRequired
	}
	s.writeJSON(w, status, map[string]any{
		"account":  id,
		"balance":  balance,
		"currency": "EUR",
		"asOf":     time.Now().UTC().Format(time.RFC3339Nano),
	})
}

func (s *service) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	h := hashOf("search", q)
	type result struct {
		ID    string  `json:"id"`
		Title string  `json:"title"`
		Score float64 `json:"score"`
	}
	var results []result
	for i := range 5 {
		results = append(results, result{
			ID:    fmt.Sprintf("p%05d", (h+uint64(i)*7919)%100000),
			Title: fmt.Sprintf("%s #%d", q, i+1),
			Score: float64(900-i*150-int(h%100)) / 1000, // distinct, descending
		})
	}
	sort.Slice(results, func(i, j int) bool {
		if s.candidate {
			return results[i].Score < results[j].Score
		}
		return results[i].Score > results[j].Score
	})
	w.Header().Set("Cache-Control", "max-age=60")
	if s.candidate {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.writeJSON(w, http.StatusOK, map[string]any{
		"query":       q,
		"results":     results,
		"suggestions": s.shuffled(pick(suggestions, h, 4)),
		"took":        s.random().IntN(50),
	})
}

func (s *service) report(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	reqID := s.requestID()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Request-Id", reqID)
	// The noise keeps its width: the body's length is the same for two
	// instances of one version.
	fmt.Fprintf(w, "report %s\ngenerated %s\nrequest %s\nrows %d\n",
		id, time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z"), reqID, hashOf("report", id)%100)
	if s.candidate {
		fmt.Fprintln(w, "footer: generated by v2")
	}
}

// writeJSON writes body with the noise every JSON answer has: meta and
// the X-Request-Id and X-Instance headers.
func (s *service) writeJSON(w http.ResponseWriter, status int, body map[string]any) {
	reqID := s.requestID()
	body["meta"] = map[string]any{
		"requestId":   reqID,
		"instance":    s.instance,
		"served":      s.served.Add(1),
		"generatedAt": time.Now().UTC().Format(time.RFC3339Nano),
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", reqID)
	w.Header().Set("X-Instance", s.instance)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (s *service) requestID() string {
	return fmt.Sprintf("%016x", s.random().Uint64())
}

// random is the instance's rng, locked until the next call's: draws are
// single calls.
func (s *service) random() *lockedRand {
	return &lockedRand{s}
}

type lockedRand struct{ s *service }

func (l *lockedRand) Uint64() uint64 {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.rng.Uint64()
}

func (l *lockedRand) IntN(n int) int {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.rng.IntN(n)
}

func (l *lockedRand) Float64() float64 {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.rng.Float64()
}

// shuffled is a set-like array: its elements in the instance's random
// order.
func (s *service) shuffled(v []any) []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rng.Shuffle(len(v), func(i, j int) { v[i], v[j] = v[j], v[i] })
	return v
}

var (
	names         = []string{"ada", "grace", "alan", "edsger", "barbara", "ken", "dennis", "margaret", "linus", "radia"}
	tags          = []string{"admin", "beta", "eu", "mobile", "pro", "newsletter", "vip"}
	categoryNames = []string{"living", "office", "outdoor", "kids", "kitchen", "bath", "garden"}
	suggestions   = []string{"new", "sale", "eco", "classic", "premium", "local", "handmade", "vintage"}
)

// pick is n of pool, chosen by h.
func pick[T any](pool []T, h uint64, n int) []any {
	var out []any
	for i, v := range pool {
		if len(out) < n && (h>>uint(i))&1 == 1 {
			out = append(out, v)
		}
	}
	for i := 0; len(out) < n && i < len(pool); i++ {
		if (h>>uint(i))&1 == 0 {
			out = append(out, pool[i])
		}
	}
	return out
}

func hashOf(kind, s string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(kind + ":" + s))
	return f.Sum64()
}
