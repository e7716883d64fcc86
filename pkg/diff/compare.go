package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The kinds of difference, in the order of their counters.
const (
	kindValue = iota
	kindType
	kindMissing
	kindAdded
	kindOrder
	kindStatus
	kindError
	numKinds
)

var kindNames = [numKinds]string{"value", "type", "missing", "added", "order", "status", "error"}

func kindIndex(name string) int {
	if i := slices.Index(kindNames[:], name); i >= 0 {
		return i
	}
	return kindValue
}

// framingHeader is not compared as a header of its own: it is the body's
// length, which the body comparison sees, and a change would be counted
// twice.
const framingHeader = "Content-Length"

// The values a difference holds besides decoded JSON ones.
type (
	// absentValue: the side has no value at the field.
	absentValue struct{}
	// errorValue: the side gave no answer.
	errorValue string
	// headerValue: a header's values, joined.
	headerValue string
	// bodySummary: a body compared by content type and length.
	bodySummary string
)

// answer is a Response prepared for comparison, outside the engine's lock:
// its body decoded when it is JSON.
type answer struct {
	*Response
	media  string // content type without parameters, lower case
	json   any
	isJSON bool
}

func prepare(r *Response, maxBody int) answer {
	a := answer{Response: r}
	if r.Err != "" {
		return a
	}
	media, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	a.media = strings.ToLower(strings.TrimSpace(media))
	if r.Truncated || len(r.Body) > maxBody || !maybeJSON(a.media, r.Body) {
		return a
	}
	a.json, a.isJSON = decodeJSON(r.Body)
	return a
}

// maybeJSON: declared JSON, or undeclared (a Go server sniffs JSON as
// text/plain) and starting as a JSON object or array does.
func maybeJSON(media string, body []byte) bool {
	if media == "application/json" || strings.HasSuffix(media, "+json") {
		return true
	}
	if media != "" && media != "text/plain" {
		return false
	}
	body = bytes.TrimLeft(body, " \t\r\n")
	return len(body) > 0 && (body[0] == '{' || body[0] == '[')
}

func (a *answer) summary() bodySummary {
	media := a.media
	if media == "" {
		media = "no content type"
	}
	return bodySummary(fmt.Sprintf("%s, %d bytes", media, len(a.Body)))
}

// difference is one field on which two answers to a request differ.
type difference struct {
	field string
	kind  int
	a, b  any
}

// comparer compares answers field by field. Its buffers are reused from
// one comparison to the next: not safe for concurrent use.
type comparer struct {
	ignorePaths   []string
	ignoreHeaders map[string]bool
	// sets are the array paths learnt to behave as sets.
	sets map[string]bool

	path  []byte
	diffs []difference
	seen  map[string]bool
}

func newComparer(ignorePaths, ignoreHeaders []string) *comparer {
	c := &comparer{ignoreHeaders: map[string]bool{}, seen: map[string]bool{}, path: make([]byte, 0, 256)}
	for _, p := range ignorePaths {
		c.ignorePaths = append(c.ignorePaths, normalizePath(p))
	}
	for _, h := range ignoreHeaders {
		c.ignoreHeaders[http.CanonicalHeaderKey(h)] = true
	}
	return c
}

// compare lists where x differs from p. The list is valid until the next
// call.
func (c *comparer) compare(p, x *answer, sets map[string]bool) []difference {
	c.diffs = c.diffs[:0]
	clear(c.seen)
	c.sets = sets
	switch {
	case x.Err != "":
		c.add("status", kindError, p.Status, errorValue(x.Err))
		return c.diffs
	case p.Status != x.Status:
		// A different status is a different kind of document: its
		// headers and body are not compared field by field.
		kind := kindStatus
		if x.Status >= 500 && p.Status < 500 {
			kind = kindError
		}
		c.add("status", kind, p.Status, x.Status)
		return c.diffs
	}
	c.headers(p.Header, x.Header)
	switch {
	case p.isJSON && x.isJSON:
		c.path = append(c.path[:0], "body"...)
		c.value(c.path, p.json, x.json)
	case p.isJSON != x.isJSON:
		c.add("body", kindType, p.summary(), x.summary())
	case p.media != x.media || len(p.Body) != len(x.Body):
		c.add("body", kindValue, p.summary(), x.summary())
	}
	return c.diffs
}

func (c *comparer) headers(a, b http.Header) {
	for name, av := range a {
		if name == framingHeader || c.ignoreHeaders[name] {
			continue
		}
		bv, ok := b[name]
		switch {
		case !ok:
			c.add("header:"+name, kindMissing, headerValue(strings.Join(av, ", ")), absentValue{})
		case !slices.Equal(av, bv):
			c.add("header:"+name, kindValue, headerValue(strings.Join(av, ", ")), headerValue(strings.Join(bv, ", ")))
		}
	}
	for name, bv := range b {
		if _, ok := a[name]; ok || name == framingHeader || c.ignoreHeaders[name] {
			continue
		}
		c.add("header:"+name, kindAdded, absentValue{}, headerValue(strings.Join(bv, ", ")))
	}
}

// value compares two decoded JSON values at path.
func (c *comparer) value(path []byte, a, b any) {
	if jsonType(a) != jsonType(b) {
		c.addPath(path, kindType, a, b)
		return
	}
	switch av := a.(type) {
	case map[string]any:
		bv := b.(map[string]any)
		for k, ae := range av {
			kp := appendKey(path, k)
			if be, ok := bv[k]; ok {
				c.value(kp, ae, be)
			} else {
				c.addPath(kp, kindMissing, ae, absentValue{})
			}
		}
		for k, be := range bv {
			if _, ok := av[k]; !ok {
				c.addPath(appendKey(path, k), kindAdded, absentValue{}, be)
			}
		}
	case []any:
		c.array(path, av, b.([]any))
	default:
		// Scalars of one type: numbers compare as written.
		if a != b {
			c.addPath(path, kindValue, a, b)
		}
	}
}

// array compares two arrays: as multisets when learnt to be sets, else by
// position; the same elements in another order are one "order"
// difference at the array.
func (c *comparer) array(path []byte, a, b []any) {
	elem := append(path, "[*]"...)
	h := make([]uint64, len(a)+len(b))
	ha, hb := h[:len(a)], h[len(a):]
	for i, e := range a {
		ha[i] = c.hash(elem, e)
	}
	for i, e := range b {
		hb[i] = c.hash(elem, e)
	}
	if slices.Equal(ha, hb) {
		return
	}
	isSet := c.sets[string(path)]
	if len(a) == len(b) {
		sa, sb := slices.Clone(ha), slices.Clone(hb)
		slices.Sort(sa)
		slices.Sort(sb)
		if slices.Equal(sa, sb) {
			if !isSet {
				c.addPath(path, kindOrder, a, b)
			}
			return
		}
	}
	if isSet {
		c.addPath(path, kindValue, a, b)
		return
	}
	n := min(len(a), len(b))
	for i := range n {
		if ha[i] != hb[i] {
			c.value(elem, a[i], b[i])
		}
	}
	for i := n; i < len(a); i++ {
		c.addPath(elem, kindMissing, a[i], absentValue{})
	}
	for i := n; i < len(b); i++ {
		c.addPath(elem, kindAdded, absentValue{}, b[i])
	}
}

func (c *comparer) add(field string, kind int, a, b any) {
	if c.seen[field] {
		return
	}
	c.seen[field] = true
	c.diffs = append(c.diffs, difference{field: field, kind: kind, a: a, b: b})
}

func (c *comparer) addPath(path []byte, kind int, a, b any) {
	if c.ignored(path) || c.seen[string(path)] {
		return
	}
	c.add(string(path), kind, a, b)
}

// ignored: path is an ignore rule's, or under one.
func (c *comparer) ignored(path []byte) bool {
	for _, rule := range c.ignorePaths {
		if len(path) >= len(rule) && string(path[:len(rule)]) == rule &&
			(len(path) == len(rule) || path[len(rule)] == '.' || path[len(rule)] == '[') {
			return true
		}
	}
	return false
}

// hash identifies a JSON value for the multiset comparison of arrays:
// object members in any order, elements of learnt sets in any order,
// ignored paths left out.
func (c *comparer) hash(path []byte, v any) uint64 {
	switch v := v.(type) {
	case nil:
		return mix(1)
	case bool:
		if v {
			return mix(2)
		}
		return mix(3)
	case json.Number:
		return hashString(4, string(v))
	case string:
		return hashString(5, v)
	case []any:
		elem := append(path, "[*]"...)
		if c.sets[string(path)] {
			var sum uint64
			for _, e := range v {
				sum += mix(c.hash(elem, e))
			}
			return mix(sum ^ 6)
		}
		h := uint64(7)
		for _, e := range v {
			h = mix(h*31 + c.hash(elem, e))
		}
		return h
	case map[string]any:
		var sum uint64
		for k, e := range v {
			kp := appendKey(path, k)
			if len(c.ignorePaths) > 0 && c.ignored(kp) {
				continue
			}
			sum += mix(hashString(8, k) ^ c.hash(kp, e))
		}
		return mix(sum ^ 9)
	}
	return 0
}

// hashString is FNV-1a over s, seeded and mixed.
func hashString(seed uint64, s string) uint64 {
	h := 14695981039346656037 ^ seed
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix(h)
}

// mix is SplitMix64's finalizer.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// appendKey appends a member to a JSON path: ".name", or ["odd key"] when
// the name is not a plain word.
func appendKey(path []byte, k string) []byte {
	if isWord(k) {
		return append(append(path, '.'), k...)
	}
	path = append(path, '[')
	path = strconv.AppendQuote(path, k)
	return append(path, ']')
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}

// normalizePath makes an ignore rule a path as the comparer writes them:
// under "body" ("$.a" and "a" are "body.a"), indexes as [*].
func normalizePath(p string) string {
	p = strings.TrimSpace(p)
	switch {
	case p == "$" || p == "body":
		p = "body"
	case strings.HasPrefix(p, "$"):
		p = "body" + p[1:]
	case strings.HasPrefix(p, "body.") || strings.HasPrefix(p, "body["):
	case strings.HasPrefix(p, "["):
		p = "body" + p
	default:
		p = "body." + p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '[' {
			j := i + 1
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				j++
			}
			if j > i+1 && j < len(p) && p[j] == ']' {
				b.WriteString("[*]")
				i = j
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}
