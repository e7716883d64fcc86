package apiserver

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/utils/ptr"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func TestLeadingTypeMetaAgreesWithDefault(t *testing.T) {
	for _, doc := range []string{
		`{"kind":"Environment","apiVersion":"stax.microstax.ai/v1alpha1","metadata":{"name":"a"}}`,
		`{"apiVersion":"stax.microstax.ai/v1alpha1","kind":"Environment"}`,      // other order
		`{"apiVersion":"stax.microstax.ai/v1alpha1","metadata":{},"kind":"E"}`,  // other order, not adjacent
		`{"apiVersion":"stax.microstax.ai/v1\u0061lpha1","kind":"Environment"}`, // other order, escape
		`{ "kind":"Environment","apiVersion":"stax.microstax.ai/v1alpha1"}`,     // space
		`{"kind":"Env\u0069ronment","apiVersion":"stax.microstax.ai/v1alpha1"}`, // escape
		`{"kind":"Environment","metadata":{},"apiVersion":"v1"}`,                // not adjacent
		`{"kind":"Environment","apiVersion":"a/b/c"}`,                           // bad version
		`[]`,
	} {
		want, wantErr := json.DefaultMetaFactory.Interpret([]byte(doc))
		got, err := leadingTypeMeta{}.Interpret([]byte(doc))
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, the default's %v", doc, err, wantErr)
			continue
		}
		if err == nil && *got != *want {
			t.Errorf("%s: %v, the default finds %v", doc, got, want)
		}
	}
}

func TestStorageCodecRoundTrip(t *testing.T) {
	codec := storageCodec(t, runtime.ContentTypeJSON)
	in := &stax.Environment{}
	in.Name, in.Namespace = "shop", "acme"
	in.Spec.DisplayName = "Shop"
	in.Spec.Blueprint.Services = []stax.ServiceSpec{{Name: "web", Image: "web:1", Replicas: ptr.To[int32](1)}}
	var buf bytes.Buffer
	if err := codec.Encode(in, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(`{"kind":"Environment","apiVersion":"stax.microstax.ai/v1alpha1",`)) {
		t.Fatalf("stored form does not begin with its type: %.80s", buf.String())
	}
	out, gvk, err := codec.Decode(buf.Bytes(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *gvk != (schema.GroupVersionKind{Group: stax.GroupName, Version: "v1alpha1", Kind: "Environment"}) {
		t.Errorf("kind %v", gvk)
	}
	if !equality.Semantic.DeepEqual(in, out) {
		t.Errorf("round trip changed the object:\n%#v\n%#v", in, out)
	}
	// A document cut short is refused, if later: by the decode itself.
	if _, _, err := codec.Decode(buf.Bytes()[:buf.Len()/2], nil, nil); err == nil {
		t.Error("a truncated document decoded")
	}
	// What another writer stored, in another key order, still reads.
	other := []byte(`{"apiVersion":"stax.microstax.ai/v1alpha1","metadata":{"name":"x"},"kind":"Environment"}`)
	if obj, _, err := codec.Decode(other, nil, nil); err != nil || obj.(*stax.Environment).Name != "x" {
		t.Errorf("other order: %v %v", obj, err)
	}
}

func storageCodec(t testing.TB, mediaType string) runtime.Codec {
	t.Helper()
	codec, err := StorageCodec(v1alpha1.SchemeGroupVersion, mediaType)
	if err != nil {
		t.Fatal(err)
	}
	return codec
}

// Servers with --storage-media-type=json and =protobuf share one etcd, so
// each must read what the other wrote.
func TestStorageCodecsReadEachOther(t *testing.T) {
	in := &stax.Environment{}
	in.Name, in.Namespace = "shop", "acme"
	in.Labels = map[string]string{"team": "payments"}
	in.Spec.Blueprint.Services = []stax.ServiceSpec{{Name: "web", Image: "web:1", Replicas: ptr.To[int32](2)}}
	codecs := map[string]runtime.Codec{
		"json":     storageCodec(t, runtime.ContentTypeJSON),
		"protobuf": storageCodec(t, runtime.ContentTypeProtobuf),
	}
	prefixes := map[string]string{"json": `{"kind":"Environment"`, "protobuf": "k8s\x00"}
	for writer, w := range codecs {
		var buf bytes.Buffer
		if err := w.Encode(in, &buf); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(buf.String(), prefixes[writer]) {
			t.Errorf("%s writer stored %q…, want it to begin %q", writer, buf.String()[:12], prefixes[writer])
		}
		for reader, r := range codecs {
			out, _, err := r.Decode(buf.Bytes(), nil, nil)
			if err != nil {
				t.Errorf("%s reading %s: %v", reader, writer, err)
				continue
			}
			if !equality.Semantic.DeepEqual(in, out) {
				t.Errorf("%s reading %s changed the object:\n%#v\n%#v", reader, writer, in, out)
			}
		}
	}
	if _, err := StorageCodec(v1alpha1.SchemeGroupVersion, "application/cbor-seq"); err == nil {
		t.Error("an unknown storage media type was accepted")
	}
}
