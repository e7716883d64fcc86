package yamlbudget

import (
	"mime"
	"strings"
)

// IsYAML says whether a Content-Type names YAML: application/yaml,
// text/yaml, application/x-yaml, and any +yaml suffix such as
// application/apply-patch+yaml (which the apiserver's patch handler decodes
// itself, outside the codec factory).
func IsYAML(contentType string) bool {
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	_, sub, ok := strings.Cut(media, "/")
	return ok && (sub == "yaml" || sub == "x-yaml" || strings.HasSuffix(sub, "+yaml"))
}
