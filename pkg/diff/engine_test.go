package diff

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestVerdict(t *testing.T) {
	o := Options{}.withDefaults()
	for _, tc := range []struct {
		name                 string
		raw, noise, requests int64
		want                 Verdict
	}{
		{"always, never noise", 200, 0, 200, VerdictDifference},
		{"a subset", 20, 0, 200, VerdictDifference},
		{"at the relative threshold", 40, 20, 200, VerdictDifference},
		{"under the relative threshold", 39, 20, 200, VerdictNoise},
		{"as often as the noise", 200, 200, 200, VerdictNoise},
		{"less often than the noise", 150, 200, 200, VerdictNoise},
		{"under the absolute rate", 5, 0, 200, VerdictEqual},
		{"at the absolute rate", 6, 0, 200, VerdictDifference},
		{"under the absolute count", 4, 0, 10, VerdictEqual},
		{"at the absolute count", 5, 0, 10, VerdictDifference},
		{"rare noise", 1, 1, 200, VerdictNoise},
		{"never", 0, 0, 200, VerdictEqual},
		{"no requests", 0, 0, 0, VerdictEqual},
	} {
		if got := o.verdict(tc.raw, tc.noise, tc.requests); got != tc.want {
			t.Errorf("%s: verdict(%d, %d, %d) = %s, want %s", tc.name, tc.raw, tc.noise, tc.requests, got, tc.want)
		}
	}
	strict := Options{Relative: 4, MinRawRate: 0.5, MinRaw: 1}.withDefaults()
	if got := strict.verdict(60, 20, 100); got != VerdictNoise {
		t.Errorf("relative 4: 60 vs 20 is %s", got)
	}
	if got := strict.verdict(40, 0, 100); got != VerdictNoise && got != VerdictEqual {
		t.Errorf("min rate 0.5: 40%% is %s", got)
	}
	if got := strict.verdict(80, 20, 100); got != VerdictDifference {
		t.Errorf("relative 4: 80 vs 20 is %s", got)
	}
}

// exchange is one GET of path whose three answers have bodies p, s, c.
func exchange(path, p, s, c string) Exchange {
	return Exchange{Time: time.Unix(1000, 0), Method: "GET", Path: path,
		Primary: jsonAnswer(200, p), Secondary: jsonAnswer(200, s), Candidate: jsonAnswer(200, c)}
}

func field(r Report, endpoint, name string) (FieldReport, bool) {
	for _, er := range r.Endpoints {
		if er.Endpoint != endpoint {
			continue
		}
		for _, f := range er.Fields {
			if f.Field == name {
				return f, true
			}
		}
	}
	return FieldReport{}, false
}

func TestEngineNoiseAndDifference(t *testing.T) {
	e := NewEngine(Options{})
	for i := range 100 {
		// ts differs everywhere (noise); name differs for the candidate
		// one time in five (a difference); id is the same.
		name := "ada"
		if i%5 == 0 {
			name = "ADA"
		}
		e.Observe(exchange(fmt.Sprintf("/users/%d", i),
			fmt.Sprintf(`{"id":%d,"ts":%d,"name":"ada"}`, i, i),
			fmt.Sprintf(`{"id":%d,"ts":%d,"name":"ada"}`, i, i+1),
			fmt.Sprintf(`{"id":%d,"ts":%d,"name":%q}`, i, i+2, name)))
	}
	r := e.Report()
	if e.Requests() != 100 || len(r.Endpoints) != 1 || r.Endpoints[0].Endpoint != "GET /users/{id}" || r.Endpoints[0].Requests != 100 {
		t.Fatalf("requests %d, report %+v", e.Requests(), r)
	}
	if f, _ := field(r, "GET /users/{id}", "body.ts"); f.Verdict != VerdictNoise || f.Raw != 100 || f.Noise != 100 || f.NoiseRate != 1 {
		t.Errorf("ts: %+v", f)
	}
	f, _ := field(r, "GET /users/{id}", "body.name")
	if f.Verdict != VerdictDifference || f.Raw != 20 || f.Noise != 0 || f.RawRate != 0.2 || f.Kind != "value" {
		t.Errorf("name: %+v", f)
	}
	if len(f.Examples) != DefaultMaxExamples || f.Examples[0] != (Example{Request: "GET /users/0", Primary: `"ada"`, Candidate: `"ADA"`}) {
		t.Errorf("name's examples: %+v", f.Examples)
	}
	if _, ok := field(r, "GET /users/{id}", "body.id"); ok {
		t.Error("an equal field is reported")
	}
	if r.Endpoints[0].Fields[0].Field != "body.name" {
		t.Errorf("the Difference does not come first: %+v", r.Endpoints[0].Fields)
	}
	if !r.Since.Equal(time.Unix(1000, 0)) || !r.Updated.Equal(time.Unix(1000, 0)) {
		t.Errorf("since %v, updated %v", r.Since, r.Updated)
	}
}

func TestEngineLearnsSets(t *testing.T) {
	e := NewEngine(Options{SetEvidence: 3})
	// The candidate reorders tags as the secondary does, and reorders
	// ranking, which the secondary never does; after 3 reorders the
	// tags are a set, and what they were counted is taken back.
	for i := range 50 {
		tagsS, tagsC := `["a","b","c"]`, `["c","b","a"]`
		if i%2 == 0 {
			tagsS = `["b","a","c"]`
		}
		e.Observe(exchange("/x",
			`{"tags":["a","b","c"],"ranking":[1,2,3]}`,
			`{"tags":`+tagsS+`,"ranking":[1,2,3]}`,
			`{"tags":`+tagsC+`,"ranking":[3,2,1]}`))
		if i == 2 {
			if f, ok := field(e.Report(), "GET /x", "body.tags"); !ok || f.Noise != 2 || f.Raw != 3 {
				t.Errorf("before it is learnt, a set's reorders are noise: %+v", f)
			}
		}
	}
	r := e.Report()
	if f, ok := field(r, "GET /x", "body.tags"); ok {
		t.Errorf("tags, a set, reported: %+v", f)
	}
	if f, _ := field(r, "GET /x", "body.ranking"); f.Verdict != VerdictDifference || f.Kind != "order" || f.Raw != 50 {
		t.Errorf("ranking: %+v", f)
	}
	// A set whose content changes is one value difference.
	e.Observe(exchange("/x", `{"tags":["a","b"]}`, `{"tags":["b","a"]}`, `{"tags":["b","d"]}`))
	if f, _ := field(e.Report(), "GET /x", "body.tags"); f.Raw != 1 || f.Kind != "value" {
		t.Errorf("a changed set: %+v", f)
	}
}

func TestEngineRoutesMerge(t *testing.T) {
	e := NewEngine(Options{RouteCardinality: 5})
	names := []string{"chair", "lamp", "desk", "sofa", "rug", "stool"}
	for i := range 60 {
		n := names[i%len(names)]
		e.Observe(exchange("/products/"+n, `{"stock":1,"n":1}`, `{"stock":1,"n":2}`, `{"inStock":1,"n":3}`))
	}
	r := e.Report()
	if len(r.Endpoints) != 1 || r.Endpoints[0].Endpoint != "GET /products/{id}" || r.Endpoints[0].Requests != 60 {
		t.Fatalf("endpoints: %+v", r.Endpoints)
	}
	if f, _ := field(r, "GET /products/{id}", "body.stock"); f.Raw != 60 || f.Verdict != VerdictDifference || len(f.Examples) != DefaultMaxExamples {
		t.Errorf("stock, counted before and after the route was learnt: %+v", f)
	}
	if f, _ := field(r, "GET /products/{id}", "body.n"); f.Raw != 60 || f.Noise != 60 {
		t.Errorf("n: %+v", f)
	}
}

func TestEngineErrorsAndStatus(t *testing.T) {
	e := NewEngine(Options{})
	for i := range 20 {
		x := exchange("/o", `{"a":1}`, `{"a":1}`, `{"a":2}`)
		switch i % 4 {
		case 0:
			x.Candidate = Response{Err: "timeout"}
		case 1:
			x.Candidate = jsonAnswer(500, `{"error":"boom"}`)
		case 2:
			x.Secondary = Response{Err: "refused"} // no noise reference: raw only
		}
		e.Observe(x)
	}
	e.Observe(Exchange{Method: "GET", Path: "/o", Primary: Response{Err: "refused"}})
	r := e.Report()
	if r.Dropped != 1 || e.Requests() != 20 {
		t.Errorf("dropped %d, requests %d", r.Dropped, e.Requests())
	}
	if f, _ := field(r, "GET /o", "status"); f.Raw != 10 || f.Kind != "error" || f.Verdict != VerdictDifference ||
		f.Examples[0].Candidate != "error: timeout" || f.Examples[1].Candidate != "500" || f.Examples[0].Primary != "200" {
		t.Errorf("status: %+v", f)
	}
	// The body of a 500 is not compared field by field.
	if f, _ := field(r, "GET /o", "body.a"); f.Raw != 10 || f.Noise != 0 {
		t.Errorf("a: %+v", f)
	}
	if _, ok := field(r, "GET /o", "body.error"); ok {
		t.Error("the body of an error answer was compared")
	}
}

func TestEngineBounds(t *testing.T) {
	e := NewEngine(Options{MaxEndpoints: 2, MaxFields: 2, MaxExamples: 1, MaxExampleBytes: 12, MaxBodyBytes: 64})
	long := func(c string) string { return `{"a":"` + strings.Repeat(c, 30) + `"}` }
	e.Observe(exchange("/e0", long("x"), long("x"), long("y")))
	e.Observe(exchange("/e1", `{"a":1}`, `{"a":1}`, `{"a":1}`))
	e.Observe(exchange("/e2", `{"a":1}`, `{"a":1}`, `{"a":2}`))
	// Three new fields, room for one more.
	e.Observe(exchange("/e0", `{"a":1,"b":1,"c":1}`, `{"a":1,"b":1,"c":1}`, `{"a":2,"b":2,"c":2}`))
	r := e.Report()
	if len(r.Endpoints) != 2 || r.Dropped != 1 {
		t.Fatalf("endpoints %d, dropped %d", len(r.Endpoints), r.Dropped)
	}
	e0 := r.Endpoints[0]
	if len(e0.Fields) != 2 || e0.DroppedFields != 1 {
		t.Errorf("fields of /e0: %+v, dropped %d", e0.Fields, e0.DroppedFields)
	}
	if f, _ := field(r, "GET /e0", "body.a"); f.Raw != 2 || len(f.Examples) != 1 ||
		f.Examples[0] != (Example{Request: "GET /e0", Primary: `"xxxxxxxx…`, Candidate: `"yyyyyyyy…`}) {
		t.Errorf("a, bounded examples: %+v", f)
	}
	// Past MaxBodyBytes a body is compared by content type and length.
	big := `{"a":"` + strings.Repeat("x", 64) + `"}`
	e.Observe(exchange("/e1", big, big, `{"a":"`+strings.Repeat("y", 64)+`"}`))
	if _, ok := field(e.Report(), "GET /e1", "body"); ok {
		t.Error("a long body of the same length differed")
	}
	e.Observe(exchange("/e1", big, big, big+" "))
	if f, ok := field(e.Report(), "GET /e1", "body"); !ok || f.Raw != 1 || f.Examples[0].Candidate != "application/json, 73 bytes"[:9]+"…" {
		t.Errorf("a long body of another length: %+v", f)
	}
}

func TestEngineRestore(t *testing.T) {
	o := Options{RouteCardinality: 3}
	e := NewEngine(o)
	for i, n := range []string{"chair", "lamp", "desk", "sofa", "chair", "lamp"} {
		e.Observe(exchange("/products/"+n, `{"a":1,"t":1}`, `{"a":1,"t":2}`, fmt.Sprintf(`{"a":%d,"t":3}`, 1+i%2)))
	}
	e.Observe(Exchange{Method: "GET", Path: "/x", Primary: Response{Err: "refused"}})
	before := e.Report()

	restored := NewEngine(o)
	restored.Restore(before)
	if got := restored.Report(); !reflect.DeepEqual(got, before) {
		t.Fatalf("restored report differs:\n got %+v\nwant %+v", got, before)
	}
	if restored.Requests() != e.Requests() {
		t.Errorf("requests %d, want %d", restored.Requests(), e.Requests())
	}
	// A restarted front's first product is counted on the restored
	// endpoint: the route's parameter is seeded from the report.
	restored.Observe(exchange("/products/rug", `{"a":1,"t":1}`, `{"a":1,"t":2}`, `{"a":2,"t":3}`))
	after := restored.Report()
	if len(after.Endpoints) != 1 || after.Endpoints[0].Requests != 7 {
		t.Fatalf("after one more: %+v", after.Endpoints)
	}
	if f, _ := field(after, "GET /products/{id}", "body.a"); f.Raw != 4 || f.Kind != "value" {
		t.Errorf("a: %+v", f)
	}

	// Restore respects the bounds.
	small := NewEngine(Options{MaxEndpoints: 1, MaxFields: 1, MaxExamples: 1})
	small.Restore(Report{Endpoints: []EndpointReport{
		{Endpoint: "GET /a", Requests: 5, Fields: []FieldReport{{Field: "x", Kind: "value", Raw: 5, Examples: []Example{{}, {}}}, {Field: "y", Raw: 2, Noise: 1}}},
		{Endpoint: "GET /b", Requests: 3},
	}})
	r := small.Report()
	if len(r.Endpoints) != 1 || r.Dropped != 3 || r.Endpoints[0].DroppedFields != 3 || len(r.Endpoints[0].Fields[0].Examples) != 1 {
		t.Errorf("bounded restore: %+v", r)
	}
}

func TestEngineConcurrent(t *testing.T) {
	e := NewEngine(Options{RouteCardinality: 4})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				e.Observe(exchange(fmt.Sprintf("/p/n%d", (w+i)%7), `{"a":[1,2],"b":1}`, `{"a":[2,1],"b":1}`, `{"a":[1,2],"b":2}`))
				if i%50 == 0 {
					e.Report()
				}
			}
		})
	}
	wg.Wait()
	r := e.Report()
	if e.Requests() != 1600 || len(r.Endpoints) != 1 || r.Endpoints[0].Requests != 1600 {
		t.Fatalf("requests %d, endpoints %+v", e.Requests(), r.Endpoints)
	}
	if f, _ := field(r, "GET /p/{id}", "body.b"); f.Raw != 1600 || f.Verdict != VerdictDifference {
		t.Errorf("b: %+v", f)
	}
	if f, ok := field(r, "GET /p/{id}", "body.a"); ok {
		t.Errorf("a, a set: %+v", f)
	}
}
