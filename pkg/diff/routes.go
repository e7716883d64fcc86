package diff

import "strings"

// param is how a parameter segment appears in a route pattern.
const param = "{id}"

// router learns route patterns from paths: a segment that looks like an
// id (a number, a UUID, a long hex or base64-ish token) is a parameter at
// once; any other is a literal until its position has taken cardinality
// distinct values under the same prefix, and then the position is a
// parameter too. Not safe for concurrent use.
type router struct {
	cardinality int
	maxNodes    int
	nodes       int
	roots       map[string]*routeNode // by method
}

type routeNode struct {
	literals map[string]*routeNode
	param    *routeNode
	// variable: the position has been learnt a parameter; every literal
	// goes to param.
	variable bool
}

func newRouter(cardinality, maxNodes int) *router {
	return &router{cardinality: cardinality, maxNodes: maxNodes, roots: map[string]*routeNode{}}
}

// route is the pattern of method and path, "GET /users/{id}", learning
// from it; relearnt reports that a position became a parameter, so that
// patterns handed out before may have changed (see repattern).
func (r *router) route(method, path string) (pattern string, relearnt bool) {
	n := r.root(method)
	var b strings.Builder
	b.Grow(len(method) + 1 + len(path))
	b.WriteString(method)
	b.WriteByte(' ')
	segments := 0
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" {
			continue
		}
		if segments == maxSegments {
			b.WriteString("/…")
			break
		}
		segments++
		b.WriteByte('/')
		if n == nil { // past the bound on nodes: no more learning
			b.WriteString(param)
			continue
		}
		if n.variable || seg == param || looksLikeID(seg) {
			n = r.paramOf(n)
			b.WriteString(param)
			continue
		}
		child, ok := n.literals[seg]
		switch {
		case ok:
		case len(n.literals)+1 >= r.cardinality:
			r.collapse(n)
			relearnt = true
			n = n.param
			b.WriteString(param)
			continue
		case r.nodes >= r.maxNodes:
			n = n.param
			b.WriteString(param)
			continue
		default:
			child = r.newNode()
			if n.literals == nil {
				n.literals = map[string]*routeNode{}
			}
			n.literals[seg] = child
		}
		n = child
		b.WriteString(seg)
	}
	if segments == 0 {
		b.WriteByte('/')
	}
	return b.String(), relearnt
}

// repattern is what a pattern handed out before has become, without
// learning: literals at positions learnt since are parameters now.
func (r *router) repattern(pattern string) string {
	method, path, _ := strings.Cut(pattern, " ")
	n := r.roots[method]
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte(' ')
	segments := 0
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" {
			continue
		}
		segments++
		b.WriteByte('/')
		if seg == "…" || n == nil {
			b.WriteString(seg)
			continue
		}
		if n.variable || seg == param {
			n = n.param
			b.WriteString(param)
			continue
		}
		n = n.literals[seg]
		b.WriteString(seg)
	}
	if segments == 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// seed records the patterns of a stored report: their parameters are
// taken as learnt where no literal sits beside them.
func (r *router) seed(patterns []string) {
	for _, p := range patterns {
		method, path, _ := strings.Cut(p, " ")
		n := r.root(method)
		for seg := range strings.SplitSeq(path, "/") {
			if seg == "" || seg == "…" {
				continue
			}
			if seg == param {
				if n = r.paramOf(n); n == nil {
					break
				}
				continue
			}
			child := n.literals[seg]
			if child == nil {
				if r.nodes >= r.maxNodes {
					break
				}
				child = r.newNode()
				if n.literals == nil {
					n.literals = map[string]*routeNode{}
				}
				n.literals[seg] = child
			}
			n = child
		}
	}
	var walk func(n *routeNode)
	walk = func(n *routeNode) {
		if n.param != nil && len(n.literals) == 0 {
			n.variable = true
		}
		for _, c := range n.literals {
			walk(c)
		}
		if n.param != nil {
			walk(n.param)
		}
	}
	for _, n := range r.roots {
		walk(n)
	}
}

func (r *router) root(method string) *routeNode {
	n := r.roots[method]
	if n == nil {
		n = r.newNode()
		r.roots[method] = n
	}
	return n
}

func (r *router) newNode() *routeNode {
	r.nodes++
	return &routeNode{}
}

// paramOf is n's parameter child, nil past the bound on nodes.
func (r *router) paramOf(n *routeNode) *routeNode {
	if n.param == nil {
		if r.nodes >= r.maxNodes {
			return nil
		}
		n.param = r.newNode()
	}
	return n.param
}

// collapse makes n's position a parameter, folding what was learnt under
// its literals into its parameter.
func (r *router) collapse(n *routeNode) {
	if n.param == nil {
		n.param = r.newNode() // may pass the bound by one: it replaces the literals
	}
	p := n.param
	for _, c := range n.literals {
		mergeRoutes(p, c)
	}
	n.literals = nil
	n.variable = true
}

func mergeRoutes(dst, src *routeNode) {
	dst.variable = dst.variable || src.variable
	if src.param != nil {
		if dst.param == nil {
			dst.param = src.param
		} else {
			mergeRoutes(dst.param, src.param)
		}
	}
	for seg, c := range src.literals {
		if d, ok := dst.literals[seg]; ok {
			mergeRoutes(d, c)
			continue
		}
		if dst.literals == nil {
			dst.literals = map[string]*routeNode{}
		}
		dst.literals[seg] = c
	}
	if dst.variable && dst.literals != nil {
		p := dst.param
		if p == nil {
			p = &routeNode{}
			dst.param = p
		}
		for _, c := range dst.literals {
			mergeRoutes(p, c)
		}
		dst.literals = nil
	}
}

// looksLikeID: a number, a UUID, a hex token of 8 or more with a digit, or
// a base64-ish token of 16 or more with a digit and a letter.
func looksLikeID(s string) bool {
	if s == "" {
		return false
	}
	digits, hex, letters, other := 0, 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			hex++
			letters++
		case c >= 'g' && c <= 'z' || c >= 'G' && c <= 'Z':
			letters++
		case c == '-' || c == '_':
			other++
		default:
			return false
		}
	}
	switch {
	case digits == len(s):
		return true
	case len(s) == 36 && isUUID(s):
		return true
	case digits > 0 && digits+hex == len(s) && len(s) >= 8:
		return true
	case digits > 0 && letters > 0 && len(s) >= 16:
		return true
	}
	return false
}

func isUUID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
