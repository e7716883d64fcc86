package stub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// MaxRequestBody bounds what the stub reads of a request body.
const MaxRequestBody = 8 << 20

// framing headers are the HTTP server's to set, whatever a document says.
var framing = map[string]bool{"Content-Type": true, "Content-Length": true,
	"Transfer-Encoding": true, "Connection": true}

// Options tune a stub server.
type Options struct {
	// Seed makes generated values differ between stubs while each stays
	// deterministic.
	Seed uint64
	// Stateful keeps what POST and PUT send and answers later GETs of it.
	Stateful bool
}

// Server answers every operation of a document.
type Server struct {
	doc    *Document
	router routers.Router
	opts   Options
	schema []openapi3.SchemaValidationOption

	answers sync.Map // answerKey -> *answer

	mu    sync.Mutex
	state map[string]any // concrete path -> stored body (stateful mode)

	templatesOnce sync.Once
	templates     []template
}

type answerKey struct {
	op        *openapi3.Operation
	code      string
	mediaType string
	example   string
}

// answer is a prepared response: status, headers and body bytes.
type answer struct {
	status    int
	mediaType string
	headers   map[string]string
	body      []byte
	// value is the decoded body, kept for stateful mode's merges.
	value any
}

// NewServer prepares every operation's default answer up front, so that a
// document whose examples contradict its schemas is reported (as warnings on
// d) before the first request, and serving is a map lookup.
func NewServer(d *Document, opts Options) (*Server, error) {
	// The stub serves paths at the root whatever servers the document
	// lists: a stub has its own address.
	routed := *d.Spec
	routed.Servers = nil
	router, err := gorillamux.NewRouter(&routed)
	if err != nil {
		return nil, fmt.Errorf("routing the document: %w", err)
	}
	s := &Server{doc: d, router: router, opts: opts, state: map[string]any{}}
	normalizeForms(d.Spec)
	if d.Spec.IsOpenAPI31OrLater() {
		s.schema = append(s.schema, openapi3.EnableJSONSchema2020())
	}
	for _, op := range d.Operations {
		o := d.Spec.Paths.Value(op.Path).GetOperation(op.Method)
		code, _ := defaultResponse(o)
		if code == "" {
			continue
		}
		resp := o.Responses.Value(code).Value
		mt, _ := negotiate(resp, "")
		if _, warn := s.prepare(op, o, code, mt, ""); warn != "" {
			d.Warnings = append(d.Warnings, Issue{Pointer: responsePointer(op, code, mt), Message: warn})
		}
	}
	return s, nil
}

func responsePointer(op Operation, code, mediaType string) string {
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	p := "/paths/" + esc.Replace(op.Path) + "/" + strings.ToLower(op.Method) + "/responses/" + code
	if mediaType != "" {
		p += "/content/" + esc.Replace(mediaType)
	}
	return p
}

// defaultResponse is the lowest documented success, else "default", else
// the lowest code there is.
func defaultResponse(o *openapi3.Operation) (string, bool) {
	if o.Responses == nil || o.Responses.Len() == 0 {
		return "", false
	}
	codes := make([]string, 0, o.Responses.Len())
	for c := range o.Responses.Map() {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		if strings.HasPrefix(c, "2") {
			return c, true
		}
	}
	if o.Responses.Value("default") != nil {
		return "default", true
	}
	return codes[0], true
}

// statusIn is statusOf within an operation: "default" answers with a
// status the operation documents no other response for.
func statusIn(o *openapi3.Operation, code string) int {
	if code != "default" {
		return statusOf(code)
	}
	for _, st := range []int{200, 500, 400, 502, 599} {
		if o.Responses.Status(st) == nil {
			return st
		}
	}
	return 599
}

// statusOf turns a response key into the status to send.
func statusOf(code string) int {
	switch {
	case code == "default":
		return http.StatusOK
	case len(code) == 3 && strings.HasSuffix(strings.ToUpper(code), "XX"):
		return int(code[0]-'0') * 100
	}
	n, err := strconv.Atoi(code)
	if err != nil {
		return http.StatusOK
	}
	return n
}

func isJSON(mt string) bool {
	base, _, _ := strings.Cut(mt, ";")
	base = strings.TrimSpace(strings.ToLower(base))
	return base == "application/json" || strings.HasSuffix(base, "+json") || base == "*/*" || base == "application/*"
}

// negotiate picks the media type to answer with: the first the Accept
// header allows, preferring JSON; "" when the response has no body.
func negotiate(resp *openapi3.Response, accept string) (string, bool) {
	if resp == nil || len(resp.Content) == 0 {
		return "", true
	}
	types := make([]string, 0, len(resp.Content))
	for t := range resp.Content {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if isJSON(types[i]) != isJSON(types[j]) {
			return isJSON(types[i])
		}
		return types[i] < types[j]
	})
	if accept == "" {
		return types[0], true
	}
	for _, want := range strings.Split(accept, ",") {
		w, _, _ := strings.Cut(strings.TrimSpace(want), ";")
		for _, t := range types {
			tb, _, _ := strings.Cut(t, ";")
			if w == "*/*" || strings.EqualFold(w, tb) ||
				(strings.HasSuffix(w, "/*") && strings.HasPrefix(tb, strings.TrimSuffix(w, "*"))) {
				return t, true
			}
		}
	}
	return "", false
}

func seedFor(base uint64, parts ...string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d", base)
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return h.Sum64()
}

// prepare builds (once) the answer for an operation, response code, media
// type and named example. warn says why a document example was not used.
func (s *Server) prepare(op Operation, o *openapi3.Operation, code, mediaType, example string) (*answer, string) {
	key := answerKey{op: o, code: code, mediaType: mediaType, example: example}
	if a, ok := s.answers.Load(key); ok {
		return a.(*answer), ""
	}
	resp := o.Responses.Value(code).Value
	a := &answer{status: statusIn(o, code), mediaType: mediaType, headers: map[string]string{}}
	seed := seedFor(s.opts.Seed, op.Method, op.Path, code, mediaType)
	for name, h := range resp.Headers {
		if h.Value == nil || h.Value.Schema == nil || framing[http.CanonicalHeaderKey(name)] {
			continue
		}
		a.headers[name] = headerString(Generate(h.Value.Schema, seedFor(seed, name), true, s.schema...))
	}
	var warn string
	if mediaType != "" {
		mt := resp.Content[mediaType]
		v, w := s.bodyValue(mt, seed, example)
		warn = w
		a.value = v
		a.body = encode(v, mediaType)
	}
	got, _ := s.answers.LoadOrStore(key, a)
	return got.(*answer), warn
}

// bodyValue is the example to send: the named one, else the media type's
// example, else its first named example, else one generated from the
// schema. An example its schema rejects is replaced by a generated value.
func (s *Server) bodyValue(mt *openapi3.MediaType, seed uint64, name string) (any, string) {
	var candidates []any
	if name != "" {
		if ex := mt.Examples[name]; ex != nil && ex.Value != nil {
			candidates = append(candidates, ex.Value.Value)
		}
	} else {
		if mt.Example != nil {
			candidates = append(candidates, mt.Example)
		}
		names := make([]string, 0, len(mt.Examples))
		for n := range mt.Examples {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if ex := mt.Examples[n]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
				candidates = append(candidates, ex.Value.Value)
			}
		}
	}
	var warn string
	for _, c := range candidates {
		if mt.Schema == nil || mt.Schema.Value == nil {
			return c, ""
		}
		err := mt.Schema.Value.VisitJSON(c, append([]openapi3.SchemaValidationOption{openapi3.VisitAsResponse(), openapi3.MultiErrors()}, s.schema...)...)
		if err == nil {
			return c, ""
		}
		warn = "the example does not match its schema, so a generated value is served: " + firstLine(err.Error())
	}
	v, err := generateChecked(mt.Schema, seed, true, s.schema)
	if err != nil && warn == "" {
		warn = "the generated value does not satisfy the schema: " + firstLine(err.Error())
	}
	return v, warn
}

// reason drops the JSON Schema 2020 validator's preamble and joins its
// findings onto one line.
func reason(r string) string {
	lines := strings.Split(r, "\n")
	if len(lines) > 1 && strings.HasPrefix(lines[0], "jsonschema validation failed") {
		lines = lines[1:]
	}
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(strings.TrimSpace(l), "- ")
	}
	return strings.Join(lines, "; ")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func encode(v any, mediaType string) []byte {
	if str, ok := v.(string); ok && !isJSON(mediaType) {
		return []byte(str)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("null")
	}
	return b
}

func headerString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = headerString(e)
		}
		return strings.Join(parts, ",")
	case nil:
		return ""
	}
	if b, err := json.Marshal(v); err == nil {
		return strings.Trim(string(b), `"`)
	}
	return fmt.Sprint(v)
}

// Violation is one thing wrong with a request, located by a pointer whose
// first token says where: /path, /query, /header, /cookie or /body.
type Violation struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

// Problem is the body of every answer the stub itself makes up (RFC 9457).
type Problem struct {
	Title      string      `json:"title"`
	Status     int         `json:"status"`
	Detail     string      `json:"detail,omitempty"`
	Violations []Violation `json:"violations,omitempty"`
}

// ProblemHeader marks the answers the stub makes itself (a violation, an
// unknown path) apart from the document's own problem responses.
const ProblemHeader = "X-Stub-Problem"

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set(ProblemHeader, "true")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// prefer reads `Prefer: code=404, example=name`.
func prefer(h http.Header) (code, example string) {
	for _, v := range h.Values("Prefer") {
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
			k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				continue
			}
			val = strings.Trim(strings.TrimSpace(val), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "code":
				code = val
			case "example":
				example = val
			}
		}
	}
	return code, example
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		route, params = s.fallback(r)
	}
	if route == nil {
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			writeProblem(w, Problem{Title: "method not allowed", Status: http.StatusMethodNotAllowed,
				Detail: fmt.Sprintf("the document has no %s %s", r.Method, r.URL.Path)})
			return
		}
		writeProblem(w, Problem{Title: "not found", Status: http.StatusNotFound,
			Detail: fmt.Sprintf("no path of the document matches %s", r.URL.Path)})
		return
	}
	var body []byte
	if r.Body != nil {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
		if err != nil {
			writeProblem(w, Problem{Title: "request body too large", Status: http.StatusRequestEntityTooLarge,
				Detail: fmt.Sprintf("the stub reads at most %d bytes", MaxRequestBody)})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	in := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			MultiError: true,
			// Credentials are checked for shape by the parameters; a stub
			// accepts any value of them.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		vs, bodyOnly := violations(err)
		status := http.StatusBadRequest
		if bodyOnly {
			status = http.StatusUnprocessableEntity
		}
		writeProblem(w, Problem{Title: "the request does not match the document", Status: status, Violations: vs})
		return
	}

	op := Operation{Method: r.Method, Path: route.Path}
	code, example := prefer(r.Header)
	if code == "" {
		if s.opts.Stateful && s.serveState(w, r, route.Operation, body) {
			return
		}
		code, _ = defaultResponse(route.Operation)
	}
	ref := route.Operation.Responses.Value(code)
	if ref == nil || ref.Value == nil {
		writeProblem(w, Problem{Title: "no such response", Status: http.StatusNotFound,
			Detail: fmt.Sprintf("the operation documents no response %q", code)})
		return
	}
	mt, ok := negotiate(ref.Value, r.Header.Get("Accept"))
	if !ok {
		writeProblem(w, Problem{Title: "not acceptable", Status: http.StatusNotAcceptable,
			Detail: fmt.Sprintf("response %s offers none of %q", code, r.Header.Get("Accept"))})
		return
	}
	if example != "" && (mt == "" || ref.Value.Content[mt].Examples[example] == nil) {
		writeProblem(w, Problem{Title: "no such example", Status: http.StatusNotFound,
			Detail: fmt.Sprintf("response %s %s has no example %q", code, mt, example)})
		return
	}
	a, _ := s.prepare(op, route.Operation, code, mt, example)
	s.write(w, a, a.body)
}

func (s *Server) write(w http.ResponseWriter, a *answer, body []byte) {
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	if a.mediaType != "" {
		ct := a.mediaType
		if ct == "*/*" || ct == "application/*" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(body)
}

// violations turns the validator's errors into located messages; bodyOnly
// says every one is a well-formed body that breaks its schema (422).
func violations(err error) ([]Violation, bool) {
	leaves := direct(err)
	var out []Violation
	bodyOnly := true
	for _, e := range leaves {
		var re *openapi3filter.RequestError
		if !errors.As(e, &re) {
			out = append(out, Violation{Location: "", Message: firstLine(e.Error())})
			bodyOnly = false
			continue
		}
		loc := "/body"
		if re.Parameter != nil {
			loc = "/" + re.Parameter.In + "/" + re.Parameter.Name
			bodyOnly = false
		}
		var inner []error
		if re.Err != nil {
			inner = direct(re.Err)
		}
		if len(inner) == 0 {
			out = append(out, Violation{Location: loc, Message: re.Error()})
			bodyOnly = false
			continue
		}
		for _, ie := range inner {
			var se *openapi3.SchemaError
			if errors.As(ie, &se) {
				p := loc
				for _, t := range se.JSONPointer() {
					p += "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(t)
				}
				out = append(out, Violation{Location: p, Message: reason(se.Reason)})
				continue
			}
			bodyOnly = false
			out = append(out, Violation{Location: loc, Message: firstLine(ie.Error())})
		}
	}
	return out, bodyOnly
}

// direct flattens MultiErrors without looking inside other errors, which
// carry the location of what they wrap.
func direct(err error) []error {
	me, ok := err.(openapi3.MultiError)
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range me {
		out = append(out, direct(e)...)
	}
	return out
}

// serveState answers from what earlier requests stored; it reports whether
// it wrote the response.
func (s *Server) serveState(w http.ResponseWriter, r *http.Request, o *openapi3.Operation, body []byte) bool {
	path := strings.TrimSuffix(r.URL.Path, "/")
	code, _ := defaultResponse(o)
	status := statusIn(o, code)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		var v map[string]any
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); !isJSON(ct) || json.Unmarshal(body, &v) != nil {
			return false
		}
		key := path
		if r.Method == http.MethodPost {
			id, ok := v["id"]
			if !ok {
				id = len(s.state) + 1
				v["id"] = id
			}
			key = path + "/" + fmt.Sprint(id)
		} else if old, ok := s.state[key].(map[string]any); ok && r.Method == http.MethodPatch {
			deepMerge(old, v)
			v = old
		}
		s.state[key] = v
		writeJSON(w, status, v)
		return true
	case http.MethodGet:
		if v, ok := s.state[path]; ok {
			writeJSON(w, status, v)
			return true
		}
		var items []any
		keys := make([]string, 0)
		for k := range s.state {
			if rest, ok := strings.CutPrefix(k, path+"/"); ok && !strings.Contains(rest, "/") {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return false
		}
		sort.Strings(keys)
		for _, k := range keys {
			items = append(items, s.state[k])
		}
		writeJSON(w, status, items)
		return true
	case http.MethodDelete:
		if _, ok := s.state[path]; !ok {
			return false
		}
		delete(s.state, path)
		w.WriteHeader(status)
		return true
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// templates match a path against every operation's template, for the
// paths the router cannot tell apart: documents in the wild (GitHub's
// among them) have /a/{x} and /a/{y} with different methods.
type template struct {
	op     Operation
	re     *regexp.Regexp
	params []string
}

func (s *Server) fallback(r *http.Request) (*routers.Route, map[string]string) {
	s.templatesOnce.Do(func() {
		for _, op := range s.doc.Operations {
			var pat strings.Builder
			var names []string
			rest := op.Path
			for {
				i := strings.IndexByte(rest, '{')
				j := strings.IndexByte(rest, '}')
				if i < 0 || j < i {
					pat.WriteString(regexp.QuoteMeta(rest))
					break
				}
				pat.WriteString(regexp.QuoteMeta(rest[:i]))
				pat.WriteString("([^/]+)")
				names = append(names, rest[i+1:j])
				rest = rest[j+1:]
			}
			if re, err := regexp.Compile("^" + pat.String() + "$"); err == nil {
				s.templates = append(s.templates, template{op: op, re: re, params: names})
			}
		}
	})
	for _, t := range s.templates {
		if t.op.Method != r.Method {
			continue
		}
		m := t.re.FindStringSubmatch(r.URL.EscapedPath())
		if m == nil {
			continue
		}
		params := map[string]string{}
		for i, n := range t.params {
			v, err := url.PathUnescape(m[i+1])
			if err != nil {
				v = m[i+1]
			}
			params[n] = v
		}
		item := s.doc.Spec.Paths.Value(t.op.Path)
		return &routers.Route{Spec: s.doc.Spec, Path: t.op.Path, PathItem: item,
			Method: r.Method, Operation: item.GetOperation(r.Method)}, params
	}
	return nil, nil
}

// normalizeForms types form bodies that list properties but no type as
// objects: kin-openapi decodes a form only into an object schema, and such
// documents (STAPI's) mean one.
func normalizeForms(spec *openapi3.T) {
	for _, p := range spec.Paths.InMatchingOrder() {
		for _, o := range spec.Paths.Value(p).Operations() {
			if o.RequestBody == nil || o.RequestBody.Value == nil {
				continue
			}
			for ct, mt := range o.RequestBody.Value.Content {
				if !strings.HasPrefix(ct, "application/x-www-form-urlencoded") || mt.Schema == nil || mt.Schema.Value == nil {
					continue
				}
				if sc := mt.Schema.Value; sc.Type == nil && len(sc.Properties) > 0 {
					sc.Type = &openapi3.Types{openapi3.TypeObject}
				}
			}
		}
	}
}
