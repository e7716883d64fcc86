package v1alpha1

// DefaultShadowPercent of requests are mirrored when a ShadowSpec does not
// say.
const DefaultShadowPercent int32 = 100

// DefaultShadowMethods are mirrored when a ShadowSpec names none: the safe
// methods a client sends most.
var DefaultShadowMethods = []string{"GET", "HEAD", "OPTIONS"}

// SetDefaults_ShadowSpec is the one home of the shadow defaults: every
// request (100%) of GET, HEAD and OPTIONS.
func SetDefaults_ShadowSpec(obj *ShadowSpec) {
	if obj.Percent == nil {
		p := DefaultShadowPercent
		obj.Percent = &p
	}
	if len(obj.Methods) == 0 {
		obj.Methods = append([]string(nil), DefaultShadowMethods...)
	}
}
