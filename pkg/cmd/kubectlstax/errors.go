package kubectlstax

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// explain turns an API error about environment name into one that says
// what to do. Errors it does not know are returned as they are.
func explain(err error, namespace, name string) error {
	if err == nil {
		return nil
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return err
	}
	s := status.Status()
	switch {
	case apierrors.IsNotFound(err) && name != "":
		return failed("environment %q not found in namespace %q; list them with kubectl stax get", name, namespace)
	case apierrors.IsInvalid(err):
		return failed("%s", invalidMessage(s, name))
	case apierrors.IsConflict(err) && hasCause(s, metav1.CauseTypeFieldManagerConflict):
		return failed("%s", applyConflictMessage(s, name))
	}
	return err
}

// invalidMessage lists the field path of every cause of a 422, naming the
// object the server refused (an environment unless it says otherwise).
func invalidMessage(s metav1.Status, name string) string {
	kind := "environment"
	if d := s.Details; d != nil {
		if d.Kind != "" {
			kind = strings.ToLower(d.Kind)
		}
		if d.Name != "" {
			name = d.Name
		}
	}
	return causesMessage(fmt.Sprintf("%s %q is invalid:", kind, name), s)
}

// causesMessage is head, then the field path of every cause of s (or its
// message when it has none).
func causesMessage(head string, s metav1.Status) string {
	var b strings.Builder
	b.WriteString(head)
	if s.Details == nil || len(s.Details.Causes) == 0 {
		fmt.Fprintf(&b, " %s", s.Message)
		return b.String()
	}
	for _, c := range s.Details.Causes {
		fmt.Fprintf(&b, "\n  * %s: %s", c.Field, c.Message)
	}
	return b.String()
}

// apiStatus is the Status of an API error; of another error, its message.
func apiStatus(err error) metav1.Status {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status()
	}
	return metav1.Status{Message: err.Error()}
}

// applyConflictMessage names each field another manager owns.
func applyConflictMessage(s metav1.Status, name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apply of environment %q conflicts with other field managers:", name)
	for _, c := range s.Details.Causes {
		if c.Type == metav1.CauseTypeFieldManagerConflict {
			fmt.Fprintf(&b, "\n  * %s: %s", c.Field, c.Message)
		}
	}
	b.WriteString("\nleave those fields out of the blueprint, or take them over with --force-conflicts")
	return b.String()
}

func hasCause(s metav1.Status, t metav1.CauseType) bool {
	if s.Details == nil {
		return false
	}
	for _, c := range s.Details.Causes {
		if c.Type == t {
			return true
		}
	}
	return false
}
