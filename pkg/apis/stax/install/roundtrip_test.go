package install

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	"k8s.io/apimachinery/pkg/api/apitesting/roundtrip"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"

	staxfuzzer "github.com/microstax/stax/pkg/apis/stax/fuzzer"
)

// TestRoundTrip fills every type with random values and checks that the
// generated conversions, the JSON encoding and the protobuf encoding
// (generated.pb.go) lose nothing between the internal and the v1alpha1 form.
func TestRoundTrip(t *testing.T) {
	roundtrip.RoundTripProtobufTestForAPIGroup(t, Install, fuzzer.MergeFuzzerFuncs(metafuzzer.Funcs, staxfuzzer.Funcs))
}
