package apiserver

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/recognizer"
)

// StorageCodec writes objects to etcd in mediaType (--storage-media-type:
// JSON by default, or protobuf) as version and reads them back as internal
// objects, whichever of the two a writer stored: servers of either setting
// share one etcd, and changing the setting needs no migration. It is
// Codecs.LegacyCodec(version) with a cheaper JSON read.
//
// Before decoding, the JSON serializer asks its MetaFactory for the
// object's kind and apiVersion, and the default one finds them by parsing
// the whole document, which is a quarter of the cost of a decode. What this
// server stores always begins with both (the encoder writes TypeMeta
// first), so the storage decoder reads them off the front and leaves
// anything else to the thorough way. It also decodes each document it
// writes once, not twice (memoizedCodec).
func StorageCodec(version schema.GroupVersion, mediaType string) (runtime.Codec, error) {
	var encoder runtime.Encoder
	if mediaType == runtime.ContentTypeJSON {
		encoder = json.NewSerializerWithOptions(json.DefaultMetaFactory, Scheme, Scheme, json.SerializerOptions{})
	} else if info, ok := runtime.SerializerInfoForMediaType(Codecs.SupportedMediaTypes(), mediaType); ok {
		encoder = info.Serializer
	} else {
		return nil, fmt.Errorf("storage media type %q is not one this server encodes", mediaType)
	}
	fast := json.NewSerializerWithOptions(leadingTypeMeta{}, Scheme, Scheme, json.SerializerOptions{})
	// The universal deserializer recognizes protobuf's "k8s\x00" prefix and
	// YAML; the fast JSON one is asked first.
	decoder := recognizer.NewDecoder(fast, Codecs.UniversalDeserializer())
	return newMemoizedCodec(Codecs.CodecForVersions(encoder, decoder, schema.GroupVersions{version}, runtime.InternalGroupVersioner)), nil
}

// leadingTypeMeta is a json.MetaFactory for documents that begin exactly
// {"kind":"K","apiVersion":"V" or {"apiVersion":"V","kind":"K" with no
// escapes in K or V: the first is how this server (and any typed client)
// encodes TypeMeta, the second how kubectl and dynamic clients encode
// unstructured objects, keys sorted. Any other document goes to
// json.DefaultMetaFactory. Unlike that one it does not read the rest: a
// document that repeats "kind" later (which the default's case-insensitive
// reading would take the last of) is typed by its first keys, as the
// case-sensitive decode that follows reads it, and one cut short is
// refused by that decode.
type leadingTypeMeta struct{}

var (
	kindFirst       = []byte(`{"kind":"`)
	apiVersionNext  = []byte(`,"apiVersion":"`)
	apiVersionFirst = []byte(`{"apiVersion":"`)
	kindNext        = []byte(`,"kind":"`)
)

func (leadingTypeMeta) Interpret(data []byte) (*schema.GroupVersionKind, error) {
	kind, rest, ok := quoted(data, kindFirst)
	var apiVersion []byte
	if ok {
		apiVersion, _, ok = quoted(rest, apiVersionNext)
	} else if apiVersion, rest, ok = quoted(data, apiVersionFirst); ok {
		kind, _, ok = quoted(rest, kindNext)
	}
	if !ok {
		return json.DefaultMetaFactory.Interpret(data)
	}
	gv, err := schema.ParseGroupVersion(string(apiVersion))
	if err != nil {
		return nil, err
	}
	return &schema.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: string(kind)}, nil
}

// quoted returns the string after prefix up to its closing quote, and what
// follows the quote; not ok when data does not start with prefix or the
// string has an escape.
func quoted(data, prefix []byte) (value, rest []byte, ok bool) {
	if !bytes.HasPrefix(data, prefix) {
		return nil, nil, false
	}
	data = data[len(prefix):]
	end := bytes.IndexByte(data, '"')
	if end < 0 || bytes.IndexByte(data[:end], '\\') >= 0 {
		return nil, nil, false
	}
	return data[:end], data[end+1:], true
}
