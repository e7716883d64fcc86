package install_test

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/install"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/yamlbudget"
)

// FuzzDecodeEnvironment decodes a blueprint as a create does: the YAML
// budget (the handler-chain filter) for YAML, the group's strict decoder
// into the internal Environment (conversion and defaults), then validation.
// None of it may panic; the seeds are the examples and small variations.
// It lives here, not beside the server, so that its fuzzing build
// instruments the API types and apimachinery only, not the whole server.
func FuzzDecodeEnvironment(f *testing.F) {
	examples, _ := filepath.Glob("../../../../examples/*.yaml")
	for _, p := range examples {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(true, data)
		}
	}
	for _, seed := range []string{
		`{"apiVersion":"stax.microstax.ai/v1alpha1","kind":"Environment","metadata":{"name":"a"},` +
			`"spec":{"blueprint":{"services":[{"name":"web","command":["x"],"ports":[{"port":80}],"dependsOn":["db"]},{"name":"db","image":"pg"}]}}}`,
		`{"kind":"Environment","spec":{"blueprint":{"services":[{"name":"a","dependsOn":["a"]}]},"autoShutdown":{"idleTimeout":"-1s"}}}`,
		`{"spec":{"blueprint":{"services":[{"name":"a","resources":{"limits":{"cpu":"1e400"}}}]}}}`,
		`{"spec":{"baselineRef":{"name":""},"blueprint":null}}`,
	} {
		f.Add(false, []byte(seed))
	}
	f.Add(true, []byte("kind: Environment\nmetadata: {name: a}\nspec:\n  blueprint:\n    services: &s [{name: a, command: [x]}]\n"))

	scheme := runtime.NewScheme()
	install.Install(scheme)
	ns := serializer.NewCodecFactory(scheme)
	decoders := map[bool]runtime.Decoder{}
	for isYAML, mediaType := range map[bool]string{false: runtime.ContentTypeJSON, true: runtime.ContentTypeYAML} {
		info, ok := runtime.SerializerInfoForMediaType(ns.SupportedMediaTypes(), mediaType)
		if !ok {
			f.Fatalf("no %s serializer", mediaType)
		}
		decoders[isYAML] = ns.DecoderToVersion(info.StrictSerializer, stax.SchemeGroupVersion)
	}
	gvk := v1alpha1.SchemeGroupVersion.WithKind("Environment")
	f.Fuzz(func(t *testing.T, isYAML bool, data []byte) {
		if isYAML && yamlbudget.Check(data, 64<<10) != nil {
			return // refused before decoding, as the filter does
		}
		obj, _, err := decoders[isYAML].Decode(data, &gvk, &stax.Environment{})
		if err != nil {
			return
		}
		env, ok := obj.(*stax.Environment)
		if !ok {
			return // another kind the body named: the handler refuses it
		}
		_ = validation.ValidateEnvironment(env, nil, validation.DefaultLimits)
	})
}

// FuzzDecodeEnvironmentProtobuf is FuzzDecodeEnvironment for protobuf bodies
// (application/vnd.kubernetes.protobuf, which the server takes from any
// client): the generated Unmarshal inside the k8s\x00 envelope, conversion,
// defaults and validation may not panic. The seeds are the examples, encoded.
func FuzzDecodeEnvironmentProtobuf(f *testing.F) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	ns := serializer.NewCodecFactory(scheme)
	info, ok := runtime.SerializerInfoForMediaType(ns.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	if !ok {
		f.Fatal("no protobuf serializer")
	}
	decoder := ns.DecoderToVersion(info.Serializer, stax.SchemeGroupVersion)
	gvk := v1alpha1.SchemeGroupVersion.WithKind("Environment")
	examples, _ := filepath.Glob("../../../../examples/*.yaml")
	yamlDecoder := ns.UniversalDeserializer()
	encoder := ns.EncoderForVersion(info.Serializer, v1alpha1.SchemeGroupVersion)
	for _, p := range examples {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		env := &v1alpha1.Environment{}
		if _, _, err := yamlDecoder.Decode(data, nil, env); err != nil {
			continue // an example of another kind
		}
		encoded, err := runtime.Encode(encoder, env)
		if err == nil {
			_, _, err = decoder.Decode(encoded, &gvk, &stax.Environment{})
		}
		if err != nil {
			f.Fatalf("%s: %v", p, err)
		}
		f.Add(encoded)
	}
	f.Add([]byte("k8s\x00"))

	f.Fuzz(func(t *testing.T, data []byte) {
		obj, _, err := decoder.Decode(data, &gvk, &stax.Environment{})
		if err != nil {
			return
		}
		if env, ok := obj.(*stax.Environment); ok {
			_ = validation.ValidateEnvironment(env, nil, validation.DefaultLimits)
		}
	})
}
