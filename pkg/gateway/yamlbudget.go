package gateway

import (
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/microstax/stax/pkg/yamlbudget"
)

// checkYAMLExpansion refuses, before yaml.YAMLToJSON writes its aliases out,
// a YAML body that would expand past the body limit: 413 when it would,
// 400 when it is not YAML this parser reads.
func checkYAMLExpansion(data []byte) error {
	err := yamlbudget.Check(data, maxBody)
	var tooBig *yamlbudget.TooLargeError
	switch {
	case errors.As(err, &tooBig):
		return apierrors.NewRequestEntityTooLargeError(err.Error())
	case err != nil:
		return apierrors.NewBadRequest("the body is not YAML: " + err.Error())
	}
	return nil
}
