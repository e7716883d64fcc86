package apiserver

import (
	"bytes"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"

	"github.com/microstax/stax/pkg/apis/stax"
)

// ParameterCodec decodes query parameters into the options of the group's
// endpoints: metav1's options and this group's own (EnvironmentLogOptions),
// as kube-apiserver's legacyscheme.ParameterCodec does for pod logs.
var ParameterCodec = runtime.NewParameterCodec(Scheme)

// acceptEmptyActionBody returns the group's serializer, except that a
// create of an EnvironmentAction (POST environments/{name}/stop and
// /resume) with no body at all reads as {}: the action has nothing to say,
// and `kubectl create --raw ... -f /dev/null` and clients that send no body
// keep working. Any other empty body is refused as before, and encoding is
// untouched.
func acceptEmptyActionBody(ns runtime.NegotiatedSerializer) runtime.NegotiatedSerializer {
	return emptyActionBody{ns}
}

type emptyActionBody struct {
	runtime.NegotiatedSerializer
}

// DecoderToVersion wraps the decoder the handlers read bodies with. An
// empty action body is read as {} by the JSON decoder, whatever content
// type the request named: {} means nothing to protobuf or CBOR.
func (s emptyActionBody) DecoderToVersion(serializer runtime.Decoder, gv runtime.GroupVersioner) runtime.Decoder {
	d := emptyActionDecoder{Decoder: s.NegotiatedSerializer.DecoderToVersion(serializer, gv)}
	if info, ok := runtime.SerializerInfoForMediaType(s.SupportedMediaTypes(), runtime.ContentTypeJSON); ok {
		d.empty = s.NegotiatedSerializer.DecoderToVersion(info.Serializer, gv)
	}
	return d
}

type emptyActionDecoder struct {
	runtime.Decoder
	// empty reads the {} an empty action body stands for.
	empty runtime.Decoder
}

var emptyObject = []byte("{}")

func (d emptyActionDecoder) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	if _, ok := into.(*stax.EnvironmentAction); ok && d.empty != nil && len(bytes.TrimSpace(data)) == 0 {
		return d.empty.Decode(emptyObject, defaults, into)
	}
	return d.Decoder.Decode(data, defaults, into)
}

// readTypeMetaOffTheFront returns the group's serializer with JSON request
// bodies typed by leadingTypeMeta instead of json.DefaultMetaFactory, which
// parses the whole body once only to find kind and apiVersion: half of
// what decoding a create's body costs. Bodies that do not begin with the
// two keys are read the thorough way; encoding is untouched.
func readTypeMetaOffTheFront(ns runtime.NegotiatedSerializer) runtime.NegotiatedSerializer {
	s := leadingTypeMetaBodies{NegotiatedSerializer: ns}
	if info, ok := runtime.SerializerInfoForMediaType(ns.SupportedMediaTypes(), runtime.ContentTypeJSON); ok {
		s.json, s.strictJSON = info.Serializer, info.StrictSerializer
		s.fastJSON = json.NewSerializerWithOptions(leadingTypeMeta{}, Scheme, Scheme, json.SerializerOptions{})
		s.fastStrictJSON = json.NewSerializerWithOptions(leadingTypeMeta{}, Scheme, Scheme, json.SerializerOptions{Strict: true})
	}
	return s
}

type leadingTypeMetaBodies struct {
	runtime.NegotiatedSerializer
	// The JSON serializers the handlers pick for a body (strict when the
	// request asks for field validation), and their stand-ins.
	json, strictJSON         runtime.Decoder
	fastJSON, fastStrictJSON runtime.Decoder
}

func (s leadingTypeMetaBodies) DecoderToVersion(serializer runtime.Decoder, gv runtime.GroupVersioner) runtime.Decoder {
	switch {
	case s.json == nil:
	case serializer == s.json:
		serializer = s.fastJSON
	case serializer == s.strictJSON:
		serializer = s.fastStrictJSON
	}
	return s.NegotiatedSerializer.DecoderToVersion(serializer, gv)
}
