package apiserver

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// TestEmptyActionBodyInProtobuf: a client that names protobuf and sends no
// body gets the empty action too (the substitute {} is JSON's).
func TestEmptyActionBodyInProtobuf(t *testing.T) {
	ns := acceptEmptyActionBody(Codecs)
	info, ok := runtime.SerializerInfoForMediaType(ns.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	if !ok {
		t.Fatal("no protobuf serializer")
	}
	decoder := ns.DecoderToVersion(info.Serializer, stax.SchemeGroupVersion)
	gvk := v1alpha1.SchemeGroupVersion.WithKind("EnvironmentAction")
	obj, _, err := decoder.Decode(nil, &gvk, &stax.EnvironmentAction{})
	if err != nil {
		t.Fatalf("empty protobuf action body: %v", err)
	}
	if _, ok := obj.(*stax.EnvironmentAction); !ok {
		t.Errorf("empty protobuf action body decoded as %T", obj)
	}
	gvk = v1alpha1.SchemeGroupVersion.WithKind("Environment")
	if _, _, err := decoder.Decode(nil, &gvk, &stax.Environment{}); err == nil {
		t.Errorf("an empty protobuf Environment body was accepted")
	}
}

func TestEmptyBodyIsAnEmptyActionOnly(t *testing.T) {
	ns := acceptEmptyActionBody(Codecs)
	info, ok := runtime.SerializerInfoForMediaType(ns.SupportedMediaTypes(), runtime.ContentTypeJSON)
	if !ok {
		t.Fatal("no JSON serializer")
	}
	decoder := ns.DecoderToVersion(info.Serializer, stax.SchemeGroupVersion)

	for _, body := range []string{"", " \n", "{}"} {
		gvk := v1alpha1.SchemeGroupVersion.WithKind("EnvironmentAction")
		obj, _, err := decoder.Decode([]byte(body), &gvk, &stax.EnvironmentAction{})
		if err != nil {
			t.Errorf("action body %q: %v", body, err)
			continue
		}
		if _, ok := obj.(*stax.EnvironmentAction); !ok {
			t.Errorf("action body %q decoded as %T", body, obj)
		}
	}
	// Anything else still needs a body.
	gvk := v1alpha1.SchemeGroupVersion.WithKind("Environment")
	if _, _, err := decoder.Decode(nil, &gvk, &stax.Environment{}); err == nil {
		t.Errorf("an empty Environment body was accepted")
	}
	// A body that says something is read as sent.
	gvk = v1alpha1.SchemeGroupVersion.WithKind("EnvironmentAction")
	obj, _, err := decoder.Decode([]byte(`{"metadata":{"name":"shop"}}`), &gvk, &stax.EnvironmentAction{})
	if err != nil || obj.(*stax.EnvironmentAction).Name != "shop" {
		t.Errorf("action with a name: %v %+v", err, obj)
	}
}

// JSON bodies are typed off their first keys, in either order kubectl and
// client-go write them, and decode to what the default serializers decode;
// any other body is read the thorough way, and strict decoding (field
// validation) still reports what it did.
func TestRequestBodiesTypedOffTheFront(t *testing.T) {
	ns := readTypeMetaOffTheFront(Codecs)
	info, _ := runtime.SerializerInfoForMediaType(Codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	const spec = `"metadata":{"name":"shop","labels":{"team":"a"}},"spec":{"blueprint":{"services":[{"name":"web","image":"web:1"}]}}`
	for _, body := range []string{
		`{"kind":"Environment","apiVersion":"stax.microstax.ai/v1alpha1",` + spec + `}`,
		`{"apiVersion":"stax.microstax.ai/v1alpha1","kind":"Environment",` + spec + `}`,
		`{` + spec + `,"kind":"Environment","apiVersion":"stax.microstax.ai/v1alpha1"}`,
		"{\n  \"apiVersion\": \"stax.microstax.ai/v1alpha1\",\n  \"kind\": \"Environment\",\n  " + spec + "\n}",
	} {
		for _, strict := range []bool{false, true} {
			serializer := info.Serializer
			if strict {
				serializer = info.StrictSerializer
			}
			want, _, wantErr := Codecs.DecoderToVersion(serializer, stax.SchemeGroupVersion).Decode([]byte(body), nil, &stax.Environment{})
			got, _, err := ns.DecoderToVersion(serializer, stax.SchemeGroupVersion).Decode([]byte(body), nil, &stax.Environment{})
			if err != nil || wantErr != nil {
				t.Fatalf("%s: %v (the default: %v)", body, err, wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, strict %v: decoded\n%#v\nthe default decodes\n%#v", body, strict, got, want)
			}
		}
	}

	// Strict decoding still names an unknown field; a body cut short is
	// still refused.
	unknown := `{"apiVersion":"stax.microstax.ai/v1alpha1","kind":"Environment","metadata":{"name":"a"},"spex":{}}`
	_, _, err := ns.DecoderToVersion(info.StrictSerializer, stax.SchemeGroupVersion).Decode([]byte(unknown), nil, &stax.Environment{})
	if !runtime.IsStrictDecodingError(err) || !strings.Contains(err.Error(), "spex") {
		t.Errorf("strict decode of an unknown field: %v", err)
	}
	cut := `{"apiVersion":"stax.microstax.ai/v1alpha1","kind":"Environment","metadata":{"na`
	if _, _, err := ns.DecoderToVersion(info.Serializer, stax.SchemeGroupVersion).Decode([]byte(cut), nil, &stax.Environment{}); err == nil {
		t.Error("a body cut short decoded")
	}

	// Where the two readings differ, the first keys win: the default's
	// case-insensitive search takes a later "Kind" for the type, which the
	// case-sensitive decode itself ignores, and fails to convert an
	// Organization into an Environment. (This is also what shows the fast
	// reading is the one in use.)
	twoKinds := `{"apiVersion":"stax.microstax.ai/v1alpha1","kind":"Environment","metadata":{"name":"a"},"Kind":"Organization"}`
	obj, _, err := ns.DecoderToVersion(info.Serializer, stax.SchemeGroupVersion).Decode([]byte(twoKinds), nil, &stax.Environment{})
	if _, ok := obj.(*stax.Environment); err != nil || !ok {
		t.Errorf("a body that begins as an Environment: %T, %v", obj, err)
	}
}
