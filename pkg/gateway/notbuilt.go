package gateway

import (
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Rows of the reference whose features are not built yet. They are routes
// all the same, admitted as every other, so a client learns 501 Not
// Implemented rather than 404; each feature's issue moves its rows beside
// their handlers (the compliance report beside usage.go).

// notBuilt is a row that answers 501 until feature is built.
func notBuilt(method, path, tag, summary, feature string) *Route {
	return &Route{Method: method, Path: path, Tag: tag, Summary: summary + " (not built yet: answers 501)",
		Call: "none yet", Success: http.StatusNotImplemented,
		serve: func(*Gateway, *request) error {
			return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusNotImplemented,
				Reason: "NotImplemented", Message: method + " " + path + ": " + feature + " is not built yet"}}
		}}
}
