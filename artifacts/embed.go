// Package artifacts holds the files a cluster admin applies, and embeds the
// ones the server itself needs at run time.
package artifacts

import _ "embed"

// AuditPolicy is the audit policy a standalone server uses by default.
//
//go:embed audit-policy.yaml
var AuditPolicy []byte
