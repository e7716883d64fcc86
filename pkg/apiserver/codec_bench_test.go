package apiserver

import (
	"bytes"
	"os"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	"sigs.k8s.io/yaml"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// storedShop is examples/shop.yaml as the server stores it: defaulted, with
// metadata and a managed-fields entry.
func storedShop(b *testing.B) *stax.Environment {
	raw, err := os.ReadFile("../../examples/shop.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var v1 v1alpha1.Environment
	if err := yaml.Unmarshal(raw, &v1); err != nil {
		b.Fatal(err)
	}
	Scheme.Default(&v1)
	v1.Namespace, v1.UID = "acme", "0b7e5b8c-1d8e-4c55-9a6e-6c3f1f4b1a2e"
	v1.CreationTimestamp = metav1.NewTime(time.Now())
	v1.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate,
		APIVersion: "stax.microstax.ai/v1alpha1", FieldsType: "FieldsV1",
		FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{"f:displayName":{},"f:blueprint":{".":{},"f:services":{}}}}`)}}}
	var env stax.Environment
	if err := Scheme.Convert(&v1, &env, nil); err != nil {
		b.Fatal(err)
	}
	return &env
}

// BenchmarkStorageCodec compares the codec etcd reads and writes through
// (StorageCodec) with the one it replaced (LegacyCodec), in protobuf (--storage-media-type)
// and with CBOR.
func BenchmarkStorageCodec(b *testing.B) {
	env := storedShop(b)
	cborCodec := Codecs.CodecForVersions(cbor.NewSerializer(Scheme, Scheme), cbor.NewSerializer(Scheme, Scheme),
		v1alpha1.SchemeGroupVersion, runtime.InternalGroupVersioner)
	for _, c := range []struct {
		name  string
		codec runtime.Codec
	}{
		{"legacy-json", Codecs.LegacyCodec(v1alpha1.SchemeGroupVersion)},
		{"storage-json", storageCodec(b, runtime.ContentTypeJSON)},
		{"storage-protobuf", storageCodec(b, runtime.ContentTypeProtobuf)},
		{"cbor", cborCodec},
	} {
		var buf bytes.Buffer
		if err := c.codec.Encode(env, &buf); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.Run(c.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			b.ReportMetric(float64(len(data)), "bytes")
			for b.Loop() {
				var w bytes.Buffer
				if err := c.codec.Encode(env, &w); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.codec.Decode(data, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStorageWrite is what the storage codec does per write: encode
// the object, decode it back for the response, decode it again for the
// watch cache; memoized answers the second decode with the first's copy
// (memoizedCodec), plain parses twice.
func BenchmarkStorageWrite(b *testing.B) {
	env := storedShop(b)
	for _, mediaType := range []string{runtime.ContentTypeJSON, runtime.ContentTypeProtobuf} {
		memoized := storageCodec(b, mediaType).(*memoizedCodec)
		name := map[string]string{runtime.ContentTypeJSON: "json", runtime.ContentTypeProtobuf: "protobuf"}[mediaType]
		for _, c := range []struct {
			name  string
			codec runtime.Codec
		}{{name + "/plain", memoized.Codec}, {name + "/memoized", memoized}} {
			b.Run(c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var w bytes.Buffer
					if err := c.codec.Encode(env, &w); err != nil {
						b.Fatal(err)
					}
					if _, _, err := c.codec.Decode(w.Bytes(), nil, &stax.Environment{}); err != nil {
						b.Fatal(err)
					}
					if _, _, err := c.codec.Decode(w.Bytes(), nil, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkRequestBodyDecode decodes a create's body as kubectl and
// dynamic clients send it (examples/shop.yaml, keys sorted), as the
// handlers do: with the default serializers, and with the group's, which
// read kind and apiVersion off the front (readTypeMetaOffTheFront).
func BenchmarkRequestBodyDecode(b *testing.B) {
	raw, err := os.ReadFile("../../examples/shop.yaml")
	if err != nil {
		b.Fatal(err)
	}
	body, err := yaml.YAMLToJSON(raw)
	if err != nil {
		b.Fatal(err)
	}
	info, _ := runtime.SerializerInfoForMediaType(Codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	for _, c := range []struct {
		name string
		ns   runtime.NegotiatedSerializer
	}{{"default", Codecs}, {"front", readTypeMetaOffTheFront(Codecs)}} {
		decoder := c.ns.DecoderToVersion(info.StrictSerializer, stax.SchemeGroupVersion)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ReportMetric(float64(len(body)), "bytes")
			for b.Loop() {
				if _, _, err := decoder.Decode(body, nil, &stax.Environment{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
