package stub

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Generation limits. A schema that refers to itself is followed once more
// (so a tree has children) and then cut to its required fields; past
// hardDepth nothing is generated at all.
const (
	recursionCut = 2
	softDepth    = 8
	hardDepth    = 24
	// arrayItems is how many items an array gets when its bounds allow.
	arrayItems = 2
)

// generator makes one value that a schema accepts. It is deterministic: the
// same seed and schema give the same value.
type generator struct {
	rng *rand.Rand
	// forResponse drops writeOnly properties (and forRequest readOnly ones).
	forResponse bool
	// useExamples takes schema-level examples and defaults when present.
	useExamples bool
	// minimal generates only what schemas require (see choice).
	minimal bool
	onStack map[*openapi3.Schema]int
	opts    []openapi3.SchemaValidationOption
}

func newGenerator(seed uint64, forResponse, useExamples bool, opts []openapi3.SchemaValidationOption) *generator {
	return &generator{
		rng:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		forResponse: forResponse,
		useExamples: useExamples,
		onStack:     map[*openapi3.Schema]int{},
		opts:        opts,
	}
}

// Generate returns a value the schema accepts, seeded by seed: schema
// examples first, otherwise a generated value; if the example does not
// validate, a generated one is returned instead.
func Generate(ref *openapi3.SchemaRef, seed uint64, forResponse bool, opts ...openapi3.SchemaValidationOption) any {
	v, _ := generateChecked(ref, seed, forResponse, opts)
	return v
}

// generateChecked also reports whether the value validates.
func generateChecked(ref *openapi3.SchemaRef, seed uint64, forResponse bool, opts []openapi3.SchemaValidationOption) (any, error) {
	if ref == nil || ref.Value == nil {
		return map[string]any{}, nil
	}
	visit := append([]openapi3.SchemaValidationOption{visitDirection(forResponse)}, opts...)
	var err error
	for _, useExamples := range []bool{true, false} {
		g := newGenerator(seed, forResponse, useExamples, opts)
		v := g.value(ref, 0)
		if err = ref.Value.VisitJSON(v, visit...); err == nil {
			return v, nil
		}
		if !useExamples {
			return v, err
		}
	}
	return nil, err
}

func visitDirection(forResponse bool) openapi3.SchemaValidationOption {
	if forResponse {
		return openapi3.VisitAsResponse()
	}
	return openapi3.VisitAsRequest()
}

func (g *generator) value(ref *openapi3.SchemaRef, depth int) any {
	if ref == nil || ref.Value == nil || depth > hardDepth {
		return nil
	}
	s := ref.Value
	if s.Always != nil {
		if *s.Always {
			return map[string]any{}
		}
		return nil
	}
	if s.Const != nil {
		return s.Const
	}
	if len(s.Enum) > 0 {
		return g.enum(s)
	}
	if g.useExamples {
		if s.Example != nil {
			return s.Example
		}
		if len(s.Examples) > 0 {
			return s.Examples[0]
		}
		if s.Default != nil {
			return s.Default
		}
	}

	g.onStack[s]++
	defer func() { g.onStack[s]-- }()
	cut := g.minimal || g.onStack[s] > recursionCut || depth > softDepth

	switch {
	case len(s.AllOf) > 0:
		return g.allOf(s, depth, cut)
	case len(s.OneOf) > 0:
		return g.choice(s, s.OneOf, depth, cut)
	case len(s.AnyOf) > 0:
		return g.choice(s, s.AnyOf, depth, cut)
	}
	return g.typed(s, depth, cut)
}

func (g *generator) enum(s *openapi3.Schema) any {
	// null is a legal member of a nullable enum, but a poor example.
	var choices []any
	for _, e := range s.Enum {
		if e != nil {
			choices = append(choices, e)
		}
	}
	if len(choices) == 0 {
		return nil
	}
	return choices[g.rng.IntN(len(choices))]
}

// typeOf picks the one type to generate: the declared one (the first that is
// not null, for a 3.1 type list), otherwise what the keywords imply.
func typeOf(s *openapi3.Schema) string {
	if s.Type != nil {
		for _, t := range s.Type.Slice() {
			if t != openapi3.TypeNull {
				return t
			}
		}
		if s.Type.Includes(openapi3.TypeNull) {
			return openapi3.TypeNull
		}
	}
	switch {
	case len(s.Properties) > 0 || len(s.Required) > 0 || s.AdditionalProperties.Schema != nil:
		return openapi3.TypeObject
	case s.Items != nil || len(s.PrefixItems) > 0:
		return openapi3.TypeArray
	case s.Pattern != "" || s.Format != "" || s.MinLength > 0 || s.MaxLength != nil:
		return openapi3.TypeString
	case s.Min != nil || s.Max != nil:
		return openapi3.TypeNumber
	}
	return ""
}

func (g *generator) typed(s *openapi3.Schema, depth int, cut bool) any {
	switch typeOf(s) {
	case openapi3.TypeObject:
		m := g.object(s, depth, cut).(map[string]any)
		fillRequired(s, m)
		return m
	case openapi3.TypeArray:
		return g.array(s, depth, cut)
	case openapi3.TypeString:
		return g.str(s)
	case openapi3.TypeInteger:
		return g.integer(s)
	case openapi3.TypeNumber:
		return g.number(s)
	case openapi3.TypeBoolean:
		return g.rng.IntN(2) == 0
	case openapi3.TypeNull:
		return nil
	}
	// An untyped schema accepts anything: an empty object says so plainly.
	return map[string]any{}
}

// allOf merges the parts' objects; for anything else the first part that
// yields a value wins.
func (g *generator) allOf(s *openapi3.Schema, depth int, cut bool) any {
	var merged map[string]any
	if typeOf(s) == openapi3.TypeObject {
		merged, _ = g.object(s, depth, cut).(map[string]any)
	}
	var scalar any
	for _, part := range s.AllOf {
		v := g.value(part, depth+1)
		if m, ok := v.(map[string]any); ok {
			if merged == nil {
				merged = map[string]any{}
			}
			deepMerge(merged, m)
			continue
		}
		if scalar == nil {
			scalar = v
		}
	}
	if merged != nil {
		fillRequired(s, merged)
		return merged
	}
	if scalar == nil {
		return g.typed(s, depth, cut)
	}
	return scalar
}

func deepMerge(dst, src map[string]any) {
	for k, v := range src {
		if dm, ok := dst[k].(map[string]any); ok {
			if sm, ok := v.(map[string]any); ok {
				deepMerge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// choice picks a branch of oneOf/anyOf that the whole schema accepts,
// starting from a seeded branch; oneOf branches often overlap, so each
// candidate is checked against the schema's own validator.
func (g *generator) choice(s *openapi3.Schema, branches openapi3.SchemaRefs, depth int, cut bool) any {
	start := g.rng.IntN(len(branches))
	// Branches of a oneOf often differ only in what they require of the
	// schema's own properties: the own object then starts from its
	// required ones, so that only the chosen branch matches.
	ownCut := cut || len(s.OneOf) > 0
	var first any
	// Permissive branches match each other's full values; a branch's
	// minimal value (only what it requires) often matches it alone.
	for pass := 0; pass < 2; pass++ {
		if pass == 1 {
			if g.minimal {
				break
			}
			g.minimal = true
			defer func() { g.minimal = false }()
		}
		if v, ok := g.tryBranches(s, branches, start, depth, cut, ownCut, &first); ok {
			return v
		}
	}
	return first
}

func (g *generator) tryBranches(s *openapi3.Schema, branches openapi3.SchemaRefs, start, depth int, cut, ownCut bool, first *any) (any, bool) {
	visit := append([]openapi3.SchemaValidationOption{visitDirection(g.forResponse)}, g.opts...)
	for i := range branches {
		b := branches[(start+i)%len(branches)]
		v := g.value(b, depth+1)
		if m, ok := v.(map[string]any); ok {
			if len(s.Properties) > 0 {
				own := g.object(s, depth, ownCut).(map[string]any)
				g.fillFrom(s, b.Value, own, depth)
				for k, bv := range m {
					// The branch's stand-in for a name only the schema
					// describes must not replace the schema's value.
					if _, has := own[k]; has && (b.Value == nil || b.Value.Properties[k] == nil) {
						continue
					}
					own[k] = bv
				}
				m = own
			}
			g.discriminate(s, b, m)
			fillRequired(s, m)
			v = m
		}
		if *first == nil {
			*first = v
		}
		if s.VisitJSON(v, visit...) == nil {
			return v, true
		}
		if m, ok := v.(map[string]any); ok && len(s.OneOf) > 0 && g.setApart(b.Value, s.OneOf, m) && s.VisitJSON(m, visit...) == nil {
			return m, true
		}
	}
	return nil, false
}

// setApart makes an object that two permissive oneOf branches both accept
// fail the others: it sets a property another branch defines, and the
// chosen one leaves open, to a value of a type the other refuses.
func (g *generator) setApart(chosen *openapi3.Schema, branches openapi3.SchemaRefs, m map[string]any) bool {
	if chosen == nil || (chosen.AdditionalProperties.Has != nil && !*chosen.AdditionalProperties.Has) {
		return false
	}
	changed := false
	for _, other := range branches {
		o := other.Value
		if o == nil || o == chosen {
			continue
		}
		names := make([]string, 0, len(o.Properties))
		for n := range o.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p := o.Properties[n].Value
			if _, mine := chosen.Properties[n]; mine || p == nil || p.Type == nil {
				continue
			}
			if _, taken := m[n]; taken {
				continue
			}
			if p.Type.Is(openapi3.TypeString) {
				m[n] = 0
			} else {
				m[n] = "set apart"
			}
			changed = true
			break
		}
	}
	return changed
}

// discriminate sets the discriminator property to the name that selects the
// branch it was generated from.
func (g *generator) discriminate(s *openapi3.Schema, branch *openapi3.SchemaRef, m map[string]any) {
	d := s.Discriminator
	if d == nil || d.PropertyName == "" || branch.Ref == "" {
		return
	}
	keys := make([]string, 0, len(d.Mapping))
	for k := range d.Mapping {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if d.Mapping[k].Ref == branch.Ref {
			m[d.PropertyName] = k
			return
		}
	}
	m[d.PropertyName] = branch.Ref[strings.LastIndex(branch.Ref, "/")+1:]
}

// fillFrom generates the properties a branch requires from the schema's
// own property definitions (a branch is often just `required: [...]`).
func (g *generator) fillFrom(s, branch *openapi3.Schema, out map[string]any, depth int) {
	if branch == nil {
		return
	}
	for _, r := range branch.Required {
		if _, ok := out[r]; ok {
			continue
		}
		if p := s.Properties[r]; p != nil {
			out[r] = g.value(p, depth+1)
		}
	}
}

// fillRequired gives a required name that no schema describes a value, so
// the object at least has it.
func fillRequired(s *openapi3.Schema, out map[string]any) {
	for _, r := range s.Required {
		if _, ok := out[r]; !ok {
			out[r] = "string"
		}
	}
}

func (g *generator) skip(p *openapi3.Schema) bool {
	if g.forResponse {
		return p.WriteOnly
	}
	return p.ReadOnly
}

func (g *generator) object(s *openapi3.Schema, depth int, cut bool) any {
	out := map[string]any{}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := s.Properties[n]
		if p == nil || p.Value == nil {
			continue
		}
		if !required[n] && (cut || g.skip(p.Value)) {
			continue
		}
		// A recursive optional property is left out rather than grown.
		if !required[n] && g.onStack[p.Value] >= recursionCut {
			continue
		}
		out[n] = g.value(p, depth+1)
	}
	if extra := s.AdditionalProperties.Schema; extra != nil && len(out) < int(max(s.MinProps, 1)) && !cut {
		for i := 1; len(out) < int(max(s.MinProps, 1)); i++ {
			out[fmt.Sprintf("additionalProp%d", i)] = g.value(extra, depth+1)
		}
	}
	return out
}

func (g *generator) array(s *openapi3.Schema, depth int, cut bool) any {
	n := arrayItems
	if cut {
		n = 0
	}
	n = max(n, int(s.MinItems))
	if s.MaxItems != nil {
		n = min(n, int(*s.MaxItems))
	}
	out := make([]any, 0, n)
	for i, p := range s.PrefixItems {
		if i >= n && i >= int(s.MinItems) {
			break
		}
		out = append(out, g.value(p, depth+1))
	}
	seen := map[string]bool{}
	for attempts := 0; len(out) < n && attempts < 4*n+4; attempts++ {
		v := g.value(s.Items, depth+1)
		if s.UniqueItems {
			k, _ := json.Marshal(v)
			if seen[string(k)] {
				continue
			}
			seen[string(k)] = true
		}
		out = append(out, v)
	}
	return out
}

// base is the instant generated dates count from, so they are stable.
var base = time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC)

func (g *generator) str(s *openapi3.Schema) any {
	if s.Pattern != "" {
		if v, ok := fromPattern(s.Pattern, g.rng); ok {
			return v
		}
	}
	var v string
	switch s.Format {
	case "email":
		v = fmt.Sprintf("user%d@example.com", g.rng.IntN(1000))
	case "uuid":
		var b [16]byte
		for i := range b {
			b[i] = byte(g.rng.UintN(256))
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		v = fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	case "date-time":
		v = base.Add(time.Duration(g.rng.IntN(1000)) * time.Hour).Format(time.RFC3339)
	case "date":
		v = base.AddDate(0, 0, g.rng.IntN(365)).Format(time.DateOnly)
	case "time":
		v = base.Add(time.Duration(g.rng.IntN(1440)) * time.Minute).Format("15:04:05Z")
	case "uri", "url", "uri-reference", "iri":
		v = fmt.Sprintf("https://example.com/resource/%d", g.rng.IntN(1000))
	case "hostname":
		v = "host.example.com"
	case "ipv4":
		v = fmt.Sprintf("192.0.2.%d", 1+g.rng.IntN(254))
	case "ipv6":
		v = fmt.Sprintf("2001:db8::%x", 1+g.rng.IntN(0xfffe))
	case "byte":
		v = base64.StdEncoding.EncodeToString([]byte("stub data"))
	case "password":
		v = "s3cr3t-pa55"
	default:
		words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"}
		v = words[g.rng.IntN(len(words))]
	}
	return fitLength(v, s)
}

// fitLength pads or trims to the schema's length bounds (counted in runes).
func fitLength(v string, s *openapi3.Schema) string {
	r := []rune(v)
	for uint64(len(r)) < s.MinLength {
		r = append(r, 'x')
	}
	if s.MaxLength != nil && uint64(len(r)) > *s.MaxLength {
		r = r[:*s.MaxLength]
	}
	return string(r)
}

// bounds returns the inclusive range a number may take.
func bounds(s *openapi3.Schema, step float64, lo, hi float64) (float64, float64) {
	if s.Min != nil {
		lo = *s.Min
		if s.ExclusiveMin.IsTrue() {
			lo += step
		}
	}
	if v := s.ExclusiveMin.Value; v != nil {
		lo = math.Max(lo, *v+step)
	}
	if s.Max != nil {
		hi = *s.Max
		if s.ExclusiveMax.IsTrue() {
			hi -= step
		}
	}
	if v := s.ExclusiveMax.Value; v != nil {
		hi = math.Min(hi, *v-step)
	}
	if s.Min != nil && s.Max == nil && hi < lo {
		hi = lo + 1000
	}
	if s.Max != nil && s.Min == nil && lo > hi {
		lo = hi - 1000
	}
	return lo, hi
}

func (g *generator) integer(s *openapi3.Schema) any {
	lo, hi := bounds(s, 1, 1, 1000)
	l, h := int64(math.Ceil(lo)), int64(math.Floor(hi))
	if h < l {
		return l
	}
	v := l + g.rng.Int64N(h-l+1)
	if s.MultipleOf != nil && *s.MultipleOf >= 1 {
		m := int64(*s.MultipleOf)
		v = (v / m) * m
		if v < l {
			v += m
		}
	}
	return v
}

func (g *generator) number(s *openapi3.Schema) any {
	lo, hi := bounds(s, 0.01, 0, 1000)
	if hi < lo {
		return lo
	}
	v := lo + g.rng.Float64()*(hi-lo)
	if s.MultipleOf != nil && *s.MultipleOf > 0 {
		m := *s.MultipleOf
		v = math.Ceil(lo/m) * m
		if v > hi {
			v = lo
		}
		return v
	}
	// Two decimals read like a price and stay inside the bounds.
	r := math.Round(v*100) / 100
	if r < lo || r > hi {
		return v
	}
	return r
}
