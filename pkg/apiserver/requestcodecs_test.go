package apiserver

import (
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
