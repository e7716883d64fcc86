package validation

import (
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// validateServiceSource requires a service to say what it runs: a command
// (local runtime), an image (kubernetes runtime), both, or instead of them
// a stub, which runs stax-stub on either runtime with flags of the
// runtime's own, so that args have nothing to go to. Whether the Stub
// exists is the controller's to see (StubNotFound), as for a secretRef: a
// blueprint may be written before its Stub is uploaded.
func validateServiceSource(svc *stax.ServiceSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if svc.Stub == nil {
		if svc.Image == "" && len(svc.Command) == 0 {
			allErrs = append(allErrs, field.Required(fldPath.Child("image"), "a service needs an image, a command or a stub"))
		}
		return allErrs
	}
	stubPath := fldPath.Child("stub")
	if svc.Image != "" {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("image"), "may not be set with stub: the runtime runs stax-stub"))
	}
	if len(svc.Command) > 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("command"), "may not be set with stub: the runtime runs stax-stub"))
	}
	if len(svc.Args) > 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("args"), "may not be set with stub: stax-stub's flags are the runtime's"))
	}
	if svc.Stub.Name == "" {
		allErrs = append(allErrs, field.Required(stubPath.Child("name"), "the name of a Stub in the environment's namespace"))
	} else {
		for _, msg := range apimachineryvalidation.NameIsDNSLabel(svc.Stub.Name, false) {
			allErrs = append(allErrs, field.Invalid(stubPath.Child("name"), svc.Stub.Name, msg))
		}
	}
	if len(svc.Ports) == 0 {
		// Defaults give one; a blueprint stored without them has none.
		allErrs = append(allErrs, field.Required(fldPath.Child("ports"), "a stub serves HTTP on the service's first port"))
	} else if svc.Ports[0].Protocol != stax.ProtocolTCP {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("ports").Index(0).Child("protocol"), svc.Ports[0].Protocol,
			[]stax.Protocol{stax.ProtocolTCP}))
	}
	return allErrs
}
