//go:build tools

// Package tools keeps kwok required by this module; hack/build-tools.sh builds it.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
