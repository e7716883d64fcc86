package stax

// StubServiceSource makes a blueprint service a stub: instead of a
// command or an image of its own, the service runs stax-stub serving the
// named Stub's document (docs/stubs.md, "In a blueprint").
type StubServiceSource struct {
	// Name of a Stub in the environment's namespace.
	Name string
}

// StubHealthPath is where stax-stub answers once it serves: the probe a
// stub service gets when its blueprint names none.
const StubHealthPath = "/_stub/healthz"
