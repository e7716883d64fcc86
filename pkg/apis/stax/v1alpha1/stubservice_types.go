package v1alpha1

// StubServiceSource makes a blueprint service a stub: instead of a
// command or an image of its own, the service runs stax-stub serving the
// named Stub's document (docs/stubs.md, "In a blueprint").
type StubServiceSource struct {
	// Name of a Stub in the environment's namespace.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
}

// StubHealthPath is where stax-stub answers once it serves: the probe a
// stub service gets when its blueprint names none.
const StubHealthPath = "/_stub/healthz"
