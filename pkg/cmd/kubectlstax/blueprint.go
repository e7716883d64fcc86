package kubectlstax

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// manifest is the one Environment of a blueprint file, as JSON to send
// unchanged as the apply patch: the server, not this client, decides what
// is valid, so unknown fields are reported by its field validation.
type manifest struct {
	Name, Namespace string
	JSON            []byte
}

// readManifest reads path ("-" is stdin) and checks only what the apply
// needs to address it: one document, kind Environment, a name.
func readManifest(path string, stdin io.Reader) (*manifest, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, failed("reading the blueprint: %v", err)
		}
		defer f.Close()
		r = f
	}
	docs := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var found []byte
	for {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, failed("reading %s: %v", path, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 || isComments(doc) {
			continue
		}
		if found != nil {
			return nil, failed("%s holds more than one document: kubectl stax up applies one Environment", path)
		}
		found = doc
	}
	if found == nil {
		return nil, failed("%s holds no Environment", path)
	}
	data, err := yaml.YAMLToJSON(found)
	if err != nil {
		return nil, failed("%s is not valid YAML: %v", path, err)
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, failed("%s is not an object: %v", path, err)
	}
	if want := staxv1.SchemeGroupVersion.String(); head.APIVersion != want || head.Kind != "Environment" {
		return nil, failed("%s is a %s %s; kubectl stax up applies an Environment of %s", path, head.APIVersion, head.Kind, want)
	}
	if head.Metadata.Name == "" {
		return nil, failed("%s: metadata.name is required", path)
	}
	return &manifest{Name: head.Metadata.Name, Namespace: head.Metadata.Namespace, JSON: data}, nil
}

// isComments: a document of only comments and blank lines.
func isComments(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' && !bytes.Equal(line, []byte("---")) {
			return false
		}
	}
	return true
}
