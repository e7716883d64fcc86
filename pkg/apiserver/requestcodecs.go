package apiserver

import (
	"bytes"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

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
