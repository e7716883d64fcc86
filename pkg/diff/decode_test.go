package diff

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestDecodeJSON: the decoder agrees with encoding/json (UseNumber, one
// document) on what is JSON and on what it holds.
func TestDecodeJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `12`, `-1.5e+10`, `1E3`, `0.25`, `"x"`, `""`,
		` {"a" : [1, {"b":null}, "c\"d", "\u00e9\n", true] , "a2":{}} `,
		`{"a":1,"a":2}`, `[[[[]]]]`, `"\ud83d\ude00"`, `"é"`, `{"k\u0041":"v"}`,
		// Not JSON.
		``, ` `, `{`, `[1,]`, `{"a":1,}`, `{"a"}`, `{a:1}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `tru`, `nul`, `"abc`,
		`"a\"`, "\"a\tb\"", `{"a":1}{}`, `[1 2]`, `"\x"`, `NaN`, `{"a":1]`, `[1}`,
	} {
		got, ok := decodeJSON([]byte(in))
		dec := json.NewDecoder(bytes.NewReader([]byte(in)))
		dec.UseNumber()
		var want any
		err := dec.Decode(&want)
		if err == nil {
			if _, terr := dec.Token(); terr == nil {
				err = json.Unmarshal([]byte("x"), &want) // trailing data: not one document
			}
		}
		if ok != (err == nil) {
			t.Errorf("%q: decoded %v, encoding/json says %v", in, ok, err)
			continue
		}
		if ok && !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %#v, want %#v", in, got, want)
		}
	}
	deep := strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2)
	if _, ok := decodeJSON([]byte(deep)); ok {
		t.Error("nesting past maxDepth decoded")
	}
}
