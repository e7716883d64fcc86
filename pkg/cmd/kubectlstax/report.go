package kubectlstax

import (
	"io"

	"sigs.k8s.io/yaml"
)

// The report commands (usage, compliance, diffs) print a summary by
// default, or the object as served with -o json|yaml.

// checkReportOutput refuses an -o the report commands do not print.
func checkReportOutput(output string) error {
	switch output {
	case "", "json", "yaml":
		return nil
	}
	return usageError("unknown output format %q: use json or yaml", output)
}

// writeReport writes raw, the served JSON, as -o asks; it reports false
// when -o asks for the summary, which the command prints itself.
func writeReport(out io.Writer, output string, raw []byte) (bool, error) {
	switch output {
	case "json":
		_, err := out.Write(append(raw, '\n'))
		return true, err
	case "yaml":
		y, err := yaml.JSONToYAML(raw)
		if err != nil {
			return true, err
		}
		_, err = out.Write(y)
		return true, err
	}
	return false, nil
}
