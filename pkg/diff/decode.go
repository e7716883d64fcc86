package diff

import "encoding/json"

// maxDepth bounds the nesting of a decoded body: deeper is not JSON to
// the engine, which then compares it by content type and length.
const maxDepth = 512

// decodeJSON decodes one JSON document into the values encoding/json
// gives with UseNumber (map[string]any, []any, json.Number, string, bool,
// nil), at about a third of its cost: the engine decodes three bodies per
// exchange, in a mirror's worker. Strings with escapes, rare, go through
// encoding/json. Its strings and numbers share one copy of b.
func decodeJSON(b []byte) (any, bool) {
	d := decoder{b: string(b)}
	v, ok := d.value(0)
	d.space()
	return v, ok && d.i == len(d.b)
}

type decoder struct {
	b string
	i int
}

func (d *decoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\r', '\n':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, bool) {
	d.space()
	if d.i >= len(d.b) || depth > maxDepth {
		return nil, false
	}
	switch d.b[d.i] {
	case '{':
		return d.object(depth)
	case '[':
		return d.array(depth)
	case '"':
		if s, ok := d.string(); ok {
			return s, true
		}
		return nil, false
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	}
	return d.number()
}

func (d *decoder) literal(word string) bool {
	if len(d.b)-d.i < len(word) || d.b[d.i:d.i+len(word)] != word {
		return false
	}
	d.i += len(word)
	return true
}

func (d *decoder) object(depth int) (any, bool) {
	d.i++ // {
	m := map[string]any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.string()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		m[k] = v
		d.space()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (d *decoder) array(depth int) (any, bool) {
	d.i++ // [
	a := []any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return a, true
	}
	for {
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		d.space()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return a, true
		default:
			return nil, false
		}
	}
}

// string decodes the string at d.i, its opening quote.
func (d *decoder) string() (string, bool) {
	start := d.i
	escaped := false
	for j := start + 1; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			d.i = j + 1
			if !escaped {
				return d.b[start+1 : j], true
			}
			var s string
			if json.Unmarshal([]byte(d.b[start:j+1]), &s) != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			escaped = true
			j++ // the escaped byte is no closing quote
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

// number decodes a number as written, checked against JSON's grammar.
func (d *decoder) number() (any, bool) {
	b, i := d.b, d.i
	digits := func() bool {
		n := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	n := json.Number(b[d.i:i])
	d.i = i
	return n, true
}
