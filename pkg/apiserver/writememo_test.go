package apiserver

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/microstax/stax/pkg/apis/stax"
)

// The memo must answer exactly what a parse of the same bytes returns, for
// every kind the server stores and whichever decode comes first (the
// store's read-back decodes into an object, the watch into nil), and the
// two answers must share no memory.
func TestMemoizedDecodeEqualsParse(t *testing.T) {
	for _, mediaType := range []string{runtime.ContentTypeJSON, runtime.ContentTypeProtobuf} {
		codec := storageCodec(t, mediaType).(*memoizedCodec)
		plain := codec.Codec
		fixtures, err := filepath.Glob("../apis/stax/install/testdata/HEAD/*.json")
		if err != nil || len(fixtures) == 0 {
			t.Fatalf("no fixtures: %v", err)
		}
		decoded := map[string]bool{}
		for _, path := range fixtures {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Fixtures are every field filled at random; kinds the
			// storage codec cannot hold (options, reviews) fail here.
			obj, _, err := plain.Decode(raw, nil, nil)
			if err != nil {
				continue
			}
			kind := strings.TrimSuffix(filepath.Base(path), ".json")
			for _, intoFirst := range []bool{true, false} {
				var buf bytes.Buffer
				if err := codec.Encode(obj, &buf); err != nil {
					t.Fatalf("%s: %v", kind, err)
				}
				data := buf.Bytes()
				want, _, err := plain.Decode(data, nil, nil)
				if err != nil {
					t.Fatalf("%s: %v", kind, err)
				}
				hits := codec.memo.hits
				newInto := func() runtime.Object { return reflect.New(reflect.TypeOf(want).Elem()).Interface().(runtime.Object) }
				var first, second runtime.Object
				if intoFirst {
					first = decodeOrFail(t, codec, data, newInto())
					second = decodeOrFail(t, codec, data, nil)
				} else {
					first = decodeOrFail(t, codec, data, nil)
					second = decodeOrFail(t, codec, data, newInto())
				}
				if codec.memo.hits != hits+1 {
					t.Errorf("%s, %s: the second decode parsed again", mediaType, kind)
				}
				for i, got := range []runtime.Object{first, second} {
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s, %s, decode %d differs from a parse:\n%#v\n%#v", mediaType, kind, i+1, got, want)
					}
				}
				if first == second {
					t.Errorf("%s, %s: both decodes returned one object", mediaType, kind)
				}
				decoded[kind] = true
			}
		}
		for _, kind := range []string{"Environment", "Baseline", "Organization"} {
			if !decoded["stax.microstax.ai.v1alpha1."+kind] {
				t.Errorf("%s: no fixture of %s was decoded (%v)", mediaType, kind, decoded)
			}
		}
	}
}

func decodeOrFail(t *testing.T, codec runtime.Decoder, data []byte, into runtime.Object) runtime.Object {
	t.Helper()
	obj, _, err := codec.Decode(data, nil, into)
	if err != nil {
		t.Fatal(err)
	}
	if into != nil && obj != into {
		t.Fatalf("decoded into %T, not into the object given", obj)
	}
	return obj
}

// The copy handed out must not be the one a caller already holds: the
// store sets the resource version on its object, the watch cache keeps
// its own.
func TestMemoizedDecodesDoNotAlias(t *testing.T) {
	codec := storageCodec(t, runtime.ContentTypeJSON).(*memoizedCodec)
	data := encodeEnv(t, codec, "shop")
	first := decodeOrFail(t, codec, data, &stax.Environment{}).(*stax.Environment)
	first.Labels["changed"] = "yes"
	first.Spec.Blueprint.Services[0].Image = "changed"
	second := decodeOrFail(t, codec, data, nil).(*stax.Environment)
	if second.Labels["changed"] != "" || second.Spec.Blueprint.Services[0].Image == "changed" {
		t.Errorf("the second decode sees the first's changes: %v %q", second.Labels, second.Spec.Blueprint.Services[0].Image)
	}
}

// Only what this codec wrote is remembered, each document for two decodes;
// a third, or bytes it never wrote (a get, a list, another replica's
// write), parse and leave nothing behind.
func TestMemoRemembersOnlyItsWritesAndOnlyTwice(t *testing.T) {
	codec := storageCodec(t, runtime.ContentTypeJSON).(*memoizedCodec)
	other := storageCodec(t, runtime.ContentTypeJSON).(*memoizedCodec)
	foreign := encodeEnv(t, other, "theirs")
	for range 3 {
		decodeOrFail(t, codec, foreign, nil)
	}
	if len(codec.memo.held) != 0 || codec.memo.hits != 0 || codec.memo.parses != 0 {
		t.Errorf("bytes another codec wrote are held: %d entries, %d hits, %d parses",
			len(codec.memo.held), codec.memo.hits, codec.memo.parses)
	}

	data := encodeEnv(t, codec, "ours")
	for range 3 {
		decodeOrFail(t, codec, data, nil)
	}
	if codec.memo.hits != 1 || codec.memo.parses != 1 || len(codec.memo.held) != 0 || codec.memo.bytes != 0 {
		t.Errorf("three decodes of one write: %d hits, %d parses, %d entries (%d bytes) left; want 1, 1, 0",
			codec.memo.hits, codec.memo.parses, len(codec.memo.held), codec.memo.bytes)
	}
}

// Writes that are never read back (updates that change nothing, retries,
// a watch far behind) must not grow the memo: it holds at most its count
// and its bytes, oldest out first.
func TestMemoBounded(t *testing.T) {
	codec := storageCodec(t, runtime.ContentTypeJSON).(*memoizedCodec)
	codec.memo = newWriteMemo(4, 1<<20)
	var written [][]byte
	for i := range 1000 {
		data := encodeEnv(t, codec, fmt.Sprintf("env-%d", i))
		written = append(written, data)
		decodeOrFail(t, codec, data, nil) // the first of two decodes: a copy is kept
		m := codec.memo
		if len(m.held) > 4 || len(m.fifo) > 8 || m.bytes > 1<<20 {
			t.Fatalf("after %d writes: %d entries, fifo %d, %d bytes", i+1, len(m.held), len(m.fifo), m.bytes)
		}
	}
	hits := codec.memo.hits
	decodeOrFail(t, codec, written[0], nil)
	if codec.memo.hits != hits {
		t.Error("the oldest write is still held")
	}
	decodeOrFail(t, codec, written[999], nil)
	if codec.memo.hits != hits+1 {
		t.Error("the newest write is not held")
	}

	size := len(written[0])
	codec.memo = newWriteMemo(100, 3*size)
	for i := range 10 {
		encodeEnv(t, codec, fmt.Sprintf("env-%d", i))
		if codec.memo.bytes > 3*size {
			t.Fatalf("%d bytes held, the bound is %d", codec.memo.bytes, 3*size)
		}
	}
}

func encodeEnv(t *testing.T, codec runtime.Encoder, name string) []byte {
	t.Helper()
	env := &stax.Environment{}
	env.Name, env.Namespace = name, "acme"
	env.Labels = map[string]string{"team": "shop"}
	env.Spec.Blueprint.Services = []stax.ServiceSpec{{Name: "web", Image: "web:1"}}
	var buf bytes.Buffer
	if err := codec.Encode(env, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The read-back and the watch decode run on different goroutines and may
// meet; each must still get the parse's answer (run with -race).
func TestMemoConcurrentDecodes(t *testing.T) {
	codec := storageCodec(t, runtime.ContentTypeJSON).(*memoizedCodec)
	for i := range 200 {
		data := encodeEnv(t, codec, fmt.Sprintf("env-%d", i))
		want, _, err := codec.Codec.Decode(data, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]runtime.Object, 2)
		var wg sync.WaitGroup
		for j := range got {
			wg.Go(func() {
				var into runtime.Object
				if j == 0 {
					into = &stax.Environment{}
				}
				obj, _, err := codec.Decode(data, nil, into)
				if err != nil {
					t.Error(err)
				}
				got[j] = obj
			})
		}
		wg.Wait()
		for _, obj := range got {
			if !reflect.DeepEqual(obj, want) {
				t.Fatalf("write %d: a concurrent decode differs from a parse", i)
			}
		}
	}
}
