package diff

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Engine compares the exchanges it observes and keeps, per learnt
// endpoint and field, how often primary and candidate differed (raw) and
// how often primary and secondary did (noise). Safe for concurrent use.
type Engine struct {
	o        Options
	requests atomic.Int64

	mu        sync.Mutex
	cmp       *comparer
	routes    *router
	endpoints map[string]*endpoint
	dropped   int64
	since     time.Time
	updated   time.Time
}

// endpoint is what the engine knows of one route pattern.
type endpoint struct {
	requests      int64
	droppedFields int64
	fields        map[string]*fieldCounts
	// sets are the array paths learnt to behave as sets; evidence counts
	// the reorders seen of those not learnt yet.
	sets     map[string]bool
	evidence map[string]int
}

type fieldCounts struct {
	raw, noise           int64
	rawKinds, noiseKinds [numKinds]int64
	examples             []Example
}

// NewEngine is an engine with o's thresholds, rules and bounds.
func NewEngine(o Options) *Engine {
	o = o.withDefaults()
	return &Engine{
		o:         o,
		cmp:       newComparer(o.IgnorePaths, o.IgnoreHeaders),
		routes:    newRouter(o.RouteCardinality, routeNodesPerEndpoint*o.MaxEndpoints),
		endpoints: map[string]*endpoint{},
	}
}

// Observe compares one exchange. Bodies are decoded before the engine's
// lock is taken, so that concurrent callers mostly wait on nothing.
func (e *Engine) Observe(x Exchange) {
	if x.Primary.Err != "" {
		e.mu.Lock()
		e.dropped++ // nothing to compare against
		e.mu.Unlock()
		return
	}
	p := prepare(&x.Primary, e.o.MaxBodyBytes)
	s := prepare(&x.Secondary, e.o.MaxBodyBytes)
	c := prepare(&x.Candidate, e.o.MaxBodyBytes)

	e.mu.Lock()
	defer e.mu.Unlock()
	ep := e.endpoint(x.Method, x.Path)
	if ep == nil {
		e.dropped++
		return
	}
	if e.since.IsZero() || x.Time.Before(e.since) {
		e.since = x.Time
	}
	if x.Time.After(e.updated) {
		e.updated = x.Time
	}
	ep.requests++
	e.requests.Add(1)
	// Noise first: what it teaches about sets applies to the candidate's
	// comparison of the same exchange already. A secondary that gave no
	// answer teaches nothing.
	if x.Secondary.Err == "" {
		for _, d := range e.cmp.compare(&p, &s, ep.sets) {
			if d.kind == kindOrder && ep.learnSet(d.field, e.o.SetEvidence) {
				continue
			}
			ep.count(d, false, e.o.MaxFields)
		}
	}
	for _, d := range e.cmp.compare(&p, &c, ep.sets) {
		f := ep.count(d, true, e.o.MaxFields)
		if f != nil && len(f.examples) < e.o.MaxExamples {
			f.examples = append(f.examples, Example{
				Request:   cut(requestLine(&x), e.o.MaxExampleBytes),
				Primary:   render(d.a, e.o.MaxExampleBytes),
				Candidate: render(d.b, e.o.MaxExampleBytes),
			})
		}
	}
}

// Requests is how many exchanges have been compared.
func (e *Engine) Requests() int64 { return e.requests.Load() }

// endpoint is the state of the pattern of method and path, nil when the
// bound on endpoints keeps it out.
func (e *Engine) endpoint(method, path string) *endpoint {
	pattern, relearnt := e.routes.route(method, path)
	if relearnt {
		e.repattern()
	}
	ep := e.endpoints[pattern]
	if ep == nil {
		if len(e.endpoints) >= e.o.MaxEndpoints {
			return nil
		}
		ep = newEndpoint()
		e.endpoints[pattern] = ep
	}
	return ep
}

// repattern folds the endpoints whose patterns the router has learnt
// more general ones for into them: what /products/chair and
// /products/lamp counted is /products/{id}'s once the position is learnt.
func (e *Engine) repattern() {
	for key, ep := range e.endpoints {
		nk := e.routes.repattern(key)
		if nk == key {
			continue
		}
		delete(e.endpoints, key)
		if dst := e.endpoints[nk]; dst != nil {
			dst.merge(ep, e.o.MaxFields, e.o.MaxExamples)
		} else {
			e.endpoints[nk] = ep
		}
	}
}

func newEndpoint() *endpoint {
	return &endpoint{fields: map[string]*fieldCounts{}, sets: map[string]bool{}, evidence: map[string]int{}}
}

// count adds one request's difference to its field, nil when the bound on
// fields keeps it out.
func (ep *endpoint) count(d difference, raw bool, maxFields int) *fieldCounts {
	f := ep.field(d.field, maxFields)
	if f == nil {
		ep.droppedFields++
		return nil
	}
	if raw {
		f.raw++
		f.rawKinds[d.kind]++
	} else {
		f.noise++
		f.noiseKinds[d.kind]++
	}
	return f
}

func (ep *endpoint) field(name string, maxFields int) *fieldCounts {
	f := ep.fields[name]
	if f == nil && len(ep.fields) < maxFields {
		f = &fieldCounts{}
		ep.fields[name] = f
	}
	return f
}

// learnSet records that the array at path came in another order from two
// instances of the same version; once evidence enough says it is a set,
// the reorders it was counted for, raw and noise, are taken back.
func (ep *endpoint) learnSet(path string, evidence int) bool {
	ep.evidence[path]++
	if ep.evidence[path] < evidence {
		return false
	}
	delete(ep.evidence, path)
	ep.sets[path] = true
	ep.forgetOrder(path)
	return true
}

func (ep *endpoint) forgetOrder(path string) {
	f := ep.fields[path]
	if f == nil {
		return
	}
	f.raw -= f.rawKinds[kindOrder]
	f.noise -= f.noiseKinds[kindOrder]
	f.rawKinds[kindOrder], f.noiseKinds[kindOrder] = 0, 0
	if f.raw == 0 && f.noise == 0 {
		delete(ep.fields, path)
	}
}

func (ep *endpoint) merge(src *endpoint, maxFields, maxExamples int) {
	ep.requests += src.requests
	ep.droppedFields += src.droppedFields
	for name, sf := range src.fields {
		f := ep.field(name, maxFields)
		if f == nil {
			ep.droppedFields += sf.raw + sf.noise
			continue
		}
		f.add(sf, maxExamples)
	}
	for path, n := range src.evidence {
		ep.evidence[path] += n
	}
	for path := range src.sets {
		ep.sets[path] = true
		delete(ep.evidence, path)
	}
	for path := range ep.sets {
		ep.forgetOrder(path)
	}
}

func (f *fieldCounts) add(src *fieldCounts, maxExamples int) {
	f.raw += src.raw
	f.noise += src.noise
	for k := range numKinds {
		f.rawKinds[k] += src.rawKinds[k]
		f.noiseKinds[k] += src.noiseKinds[k]
	}
	for _, ex := range src.examples {
		if len(f.examples) < maxExamples {
			f.examples = append(f.examples, ex)
		}
	}
}

// kind is the most frequent kind of the raw differences, of the noise
// ones when there were none.
func (f *fieldCounts) kind() string {
	counts := f.rawKinds
	if f.raw == 0 {
		counts = f.noiseKinds
	}
	best := 0
	for k := range numKinds {
		if counts[k] > counts[best] {
			best = k
		}
	}
	return kindNames[best]
}

// Report is a snapshot of the counts, each field with its verdict.
func (e *Engine) Report() Report {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := Report{Since: e.since, Updated: e.updated, Dropped: e.dropped}
	keys := make([]string, 0, len(e.endpoints))
	for k := range e.endpoints {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ep := e.endpoints[k]
		er := EndpointReport{Endpoint: k, Requests: ep.requests, DroppedFields: ep.droppedFields}
		for name, f := range ep.fields {
			if f.raw == 0 && f.noise == 0 {
				continue
			}
			fr := FieldReport{Field: name, Kind: f.kind(), Raw: f.raw, Noise: f.noise,
				Verdict: e.o.verdict(f.raw, f.noise, ep.requests), Examples: slices.Clone(f.examples)}
			if ep.requests > 0 {
				fr.RawRate = float64(f.raw) / float64(ep.requests)
				fr.NoiseRate = float64(f.noise) / float64(ep.requests)
			}
			er.Fields = append(er.Fields, fr)
		}
		sort.Slice(er.Fields, func(i, j int) bool {
			a, b := er.Fields[i], er.Fields[j]
			if (a.Verdict == VerdictDifference) != (b.Verdict == VerdictDifference) {
				return a.Verdict == VerdictDifference
			}
			return a.Field < b.Field
		})
		r.Endpoints = append(r.Endpoints, er)
	}
	return r
}

// Restore seeds the counts from a stored report, so that results survive
// a restart of the front; meant for a new engine (counts add up). What was
// learnt starts over, but for the route patterns, which the report's
// endpoints give back. Each field's counts take the report's Kind.
func (e *Engine) Restore(r Report) {
	e.mu.Lock()
	defer e.mu.Unlock()
	patterns := make([]string, 0, len(r.Endpoints))
	for _, er := range r.Endpoints {
		patterns = append(patterns, er.Endpoint)
	}
	e.routes.seed(patterns)
	e.dropped += r.Dropped
	if !r.Since.IsZero() && (e.since.IsZero() || r.Since.Before(e.since)) {
		e.since = r.Since
	}
	if r.Updated.After(e.updated) {
		e.updated = r.Updated
	}
	for _, er := range r.Endpoints {
		ep := e.endpoints[er.Endpoint]
		if ep == nil {
			if len(e.endpoints) >= e.o.MaxEndpoints {
				e.dropped += er.Requests
				continue
			}
			ep = newEndpoint()
			e.endpoints[er.Endpoint] = ep
		}
		ep.requests += er.Requests
		e.requests.Add(er.Requests)
		ep.droppedFields += er.DroppedFields
		for _, fr := range er.Fields {
			f := ep.field(fr.Field, e.o.MaxFields)
			if f == nil {
				ep.droppedFields += fr.Raw + fr.Noise
				continue
			}
			k := kindIndex(fr.Kind)
			f.raw += fr.Raw
			f.rawKinds[k] += fr.Raw
			f.noise += fr.Noise
			f.noiseKinds[k] += fr.Noise
			for _, ex := range fr.Examples {
				if len(f.examples) < e.o.MaxExamples {
					f.examples = append(f.examples, Example{
						Request:   cut(ex.Request, e.o.MaxExampleBytes),
						Primary:   cut(ex.Primary, e.o.MaxExampleBytes),
						Candidate: cut(ex.Candidate, e.o.MaxExampleBytes),
					})
				}
			}
		}
	}
}

func requestLine(x *Exchange) string {
	if x.Query == "" {
		return x.Method + " " + x.Path
	}
	return x.Method + " " + x.Path + "?" + x.Query
}

// render writes a value of a difference for an example: JSON for a body's
// values, as is for the rest, "" for none.
func render(v any, max int) string {
	switch v := v.(type) {
	case absentValue:
		return ""
	case errorValue:
		return cut("error: "+string(v), max)
	case headerValue:
		return cut(string(v), max)
	case bodySummary:
		return cut(string(v), max)
	case int:
		return strconv.Itoa(v)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return ""
	}
	return cut(strings.TrimSuffix(b.String(), "\n"), max)
}

// cut shortens s to at most max bytes, on a rune boundary, marking the cut
// when there is room for the mark.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const mark = "…"
	n, m := max-len(mark), mark
	if n < 0 {
		n, m = max, ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + m
}
