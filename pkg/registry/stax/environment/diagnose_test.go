package environment

import "testing"

func TestStripLogPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"api-0 2026-12-02T03:55:27.644079273Z goroutine 1 [running]:": "goroutine 1 [running]:",
		"2026-12-02T03:55:27.644079273Z panic: boom":                  "panic: boom",
		"my-db-12 2026-12-02T03:55:27Z ":                              "",
		"api-0 not a time":                                            "api-0 not a time",
		"plain line":                                                  "plain line",
	} {
		if got := stripLogPrefix(in); got != want {
			t.Errorf("stripLogPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}
