package validation

import (
	"fmt"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// MaxInlineStubDocument bounds spec.document: the document is stored in
// the Stub, and etcd takes at most 1.5 MiB a request. Larger documents are
// uploaded to stubs/{name}/document, which stores them in chunks.
const MaxInlineStubDocument = 512 << 10

// ValidateStub checks a new Stub. Its name is a DNS label, so the names of
// its document's chunks (name, digest, index) stay valid names too.
func ValidateStub(s *stax.Stub) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&s.ObjectMeta, true,
		apimachineryvalidation.NameIsDNSLabel, field.NewPath("metadata"))
	return append(allErrs, validateStubSpec(s.Spec, field.NewPath("spec"))...)
}

// ValidateStubUpdate checks a change to a Stub: the spec may change (a new
// inline document is parsed again).
func ValidateStubUpdate(s, old *stax.Stub) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&s.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, validateStubSpec(s.Spec, field.NewPath("spec"))...)
}

func validateStubSpec(spec stax.StubSpec, fldPath *field.Path) field.ErrorList {
	if n := len(spec.Document); n > MaxInlineStubDocument {
		return field.ErrorList{field.Invalid(fldPath.Child("document"), fmt.Sprintf("%d bytes", n),
			fmt.Sprintf("must be at most %d bytes inline; upload a larger document to stubs/{name}/document", MaxInlineStubDocument))}
	}
	return nil
}
