package diff

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func jsonAnswer(status int, body string, header ...string) Response {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return Response{Status: status, Header: h, Body: []byte(body)}
}

// diffs is "field kind" for each difference compare finds, sorted.
func diffs(c *comparer, p, x Response, sets map[string]bool) []string {
	pa, xa := prepare(&p, DefaultMaxBodyBytes), prepare(&x, DefaultMaxBodyBytes)
	var out []string
	for _, d := range c.compare(&pa, &xa, sets) {
		out = append(out, d.field+" "+kindNames[d.kind])
	}
	slices.Sort(out)
	return out
}

func TestCompare(t *testing.T) {
	text := func(status int, body string) Response {
		return Response{Status: status, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte(body)}
	}
	for _, tc := range []struct {
		name string
		p, x Response
		sets []string
		want []string
	}{
		{"equal", jsonAnswer(200, `{"a":1,"b":[1,2]}`), jsonAnswer(200, `{"b":[1,2],"a":1}`), nil, nil},
		{"value", jsonAnswer(200, `{"a":{"b":"x"}}`), jsonAnswer(200, `{"a":{"b":"y"}}`), nil, []string{"body.a.b value"}},
		{"number as written", jsonAnswer(200, `{"n":1}`), jsonAnswer(200, `{"n":1.0}`), nil, []string{"body.n value"}},
		{"type", jsonAnswer(200, `{"total":12.5}`), jsonAnswer(200, `{"total":"12.50"}`), nil, []string{"body.total type"}},
		{"null to value is a type change", jsonAnswer(200, `{"a":null}`), jsonAnswer(200, `{"a":0}`), nil, []string{"body.a type"}},
		{"missing and added", jsonAnswer(200, `{"stock":3}`), jsonAnswer(200, `{"inStock":3}`), nil,
			[]string{"body.inStock added", "body.stock missing"}},
		{"odd keys", jsonAnswer(200, `{"a.b":1,"":2}`), jsonAnswer(200, `{"a.b":2,"":3}`), nil,
			[]string{`body[""] value`, `body["a.b"] value`}},
		{"array by position", jsonAnswer(200, `{"items":[{"id":1,"q":1},{"id":2,"q":1}]}`),
			jsonAnswer(200, `{"items":[{"id":1,"q":1},{"id":2,"q":5}]}`), nil, []string{"body.items[*].q value"}},
		{"array longer and shorter", jsonAnswer(200, `{"a":[1,2],"b":[1,2,3]}`), jsonAnswer(200, `{"a":[1,2,3],"b":[1,2]}`), nil,
			[]string{"body.a[*] added", "body.b[*] missing"}},
		{"array reordered", jsonAnswer(200, `{"r":[{"id":1},{"id":2},{"id":3}]}`), jsonAnswer(200, `{"r":[{"id":3},{"id":2},{"id":1}]}`), nil,
			[]string{"body.r order"}},
		{"set reordered", jsonAnswer(200, `{"tags":["a","b","c"]}`), jsonAnswer(200, `{"tags":["c","a","b"]}`), []string{"body.tags"}, nil},
		{"set changed", jsonAnswer(200, `{"tags":["a","b","c"]}`), jsonAnswer(200, `{"tags":["c","a","d"]}`), []string{"body.tags"},
			[]string{"body.tags value"}},
		{"nested set in a reordered array", jsonAnswer(200, `{"r":[{"p":["x","y"]},{"p":["z"]}]}`),
			jsonAnswer(200, `{"r":[{"p":["z"]},{"p":["y","x"]}]}`), []string{"body.r[*].p"}, []string{"body.r order"}},
		{"top-level array", jsonAnswer(200, `[1,2]`), jsonAnswer(200, `[1,3]`), nil, []string{"body[*] value"}},
		{"status", jsonAnswer(200, `{"a":1}`), jsonAnswer(402, `{"a":2}`), nil, []string{"status status"}},
		{"5xx is an error", jsonAnswer(200, `{}`), jsonAnswer(503, `{}`), nil, []string{"status error"}},
		{"5xx on both is a status change", jsonAnswer(500, `{}`), jsonAnswer(503, `{}`), nil, []string{"status status"}},
		{"no answer is an error", jsonAnswer(200, `{}`), Response{Err: "connection refused"}, nil, []string{"status error"}},
		{"headers", jsonAnswer(200, `{}`, "Cache-Control", "max-age=60", "X-Old", "1"),
			jsonAnswer(200, `{}`, "Cache-Control", "no-store", "X-New", "1"), nil,
			[]string{"header:Cache-Control value", "header:X-New added", "header:X-Old missing"}},
		{"content length is the body's", jsonAnswer(200, `{"a":1}`, "Content-Length", "7"), jsonAnswer(200, `{"a":1} `, "Content-Length", "8"), nil, nil},
		{"non-JSON by length", text(200, "<p>hi</p>"), text(200, "<p>hey</p>"), nil, []string{"body value"}},
		{"non-JSON same length", text(200, "<p>hi</p>"), text(200, "<p>ho</p>"), nil, nil},
		{"content type", text(200, "x"), Response{Status: 200, Header: http.Header{"Content-Type": {"text/css"}}, Body: []byte("x")}, nil,
			[]string{"body value", "header:Content-Type value"}},
		{"JSON became text", jsonAnswer(200, `{"a":1}`), jsonAnswer(200, `{"a":1`), nil, []string{"body type"}},
		{"undeclared JSON is JSON", Response{Status: 200, Body: []byte(` {"a":1}`)}, Response{Status: 200, Body: []byte(`{"a":2}`)}, nil,
			[]string{"body.a value"}},
		{"trailing data is not JSON", jsonAnswer(200, `{"a":1}{}`), jsonAnswer(200, `{"a":2}{}`), nil, nil},
		{"truncated is not parsed", Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"a":1`), Truncated: true},
			Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"a":2`), Truncated: true}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sets := map[string]bool{}
			for _, s := range tc.sets {
				sets[s] = true
			}
			got := diffs(newComparer(nil, nil), tc.p, tc.x, sets)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIgnore(t *testing.T) {
	p := jsonAnswer(200, `{"meta":{"requestId":"a","n":1},"items":[{"ts":1,"id":1},{"ts":2,"id":2}],"set":[{"ts":1,"v":1},{"ts":2,"v":2}]}`,
		"X-Request-Id", "a", "Cache-Control", "x")
	x := jsonAnswer(200, `{"meta":{"requestId":"b","n":2},"items":[{"ts":3,"id":1},{"ts":4,"id":3}],"set":[{"ts":5,"v":2},{"ts":6,"v":1}]}`,
		"X-Request-Id", "b", "Cache-Control", "y")
	for _, tc := range []struct {
		name           string
		paths, headers []string
		want           []string
	}{
		{"nothing ignored", nil, nil, []string{"body.items[*].id value", "body.items[*].ts value", "body.meta.n value",
			"body.meta.requestId value", "body.set[*].ts value", "body.set[*].v value", "header:Cache-Control value", "header:X-Request-Id value"}},
		{"paths, an index as every element, $ as body",
			[]string{"body.meta.requestId", "items[0].ts", "$.set[*].ts"}, []string{"x-request-id"},
			// With the ts ignored, the set's elements are the same, in
			// another order.
			[]string{"body.items[*].id value", "body.meta.n value", "body.set order", "header:Cache-Control value"}},
		{"a subtree", []string{"body.meta", "body.items", "body.set"}, []string{"Cache-Control", "X-Request-Id"}, nil},
		{"a prefix of a name is not its parent", []string{"body.me", "body.item"}, nil, []string{"body.items[*].id value", "body.items[*].ts value",
			"body.meta.n value", "body.meta.requestId value", "body.set[*].ts value", "body.set[*].v value", "header:Cache-Control value", "header:X-Request-Id value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := diffs(newComparer(tc.paths, tc.headers), p, x, nil)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q,\nwant %q", got, tc.want)
			}
		})
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"body.a.b":          "body.a.b",
		"a.b":               "body.a.b",
		"$.a[12].b":         "body.a[*].b",
		"$":                 "body",
		"[3]":               "body[*]",
		"body.items[*].ts":  "body.items[*].ts",
		`body["x.y"][0]`:    `body["x.y"][*]`,
		" body.a[x] ":       "body.a[x]",
		"bodyguard.name":    "body.bodyguard.name",
		"body.a[1][2].c[3]": "body.a[*][*].c[*]",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		v    any
		max  int
		want string
	}{
		{absentValue{}, 10, ""},
		{errorValue("refused"), 100, "error: refused"},
		{headerValue("max-age=60"), 100, "max-age=60"},
		{402, 100, "402"},
		{map[string]any{"b": "<x>", "a": 1}, 100, `{"a":1,"b":"<x>"}`},
		{"a long string value", 10, `"a long…`},
		{"ééééé", 6, `"é…`},
	} {
		if got := render(tc.v, tc.max); got != tc.want || len(got) > tc.max {
			t.Errorf("render(%v, %d) = %q, want %q", tc.v, tc.max, got, tc.want)
		}
	}
	if got := cut(strings.Repeat("x", 5), 2); got != "xx" {
		t.Errorf("cut to less than the mark: %q", got)
	}
}
