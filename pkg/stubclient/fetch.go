// Package stubclient reads a Stub and its document through the API, as
// stax-stub does at start: the object, then GET stubs/{name}/document,
// which streams the document's chunks back.
package stubclient

import (
	"context"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// Fetch returns the Stub and its document. A document that arrives
// shorter or longer than status.document.size is an error, not a stub.
func Fetch(ctx context.Context, cs versioned.Interface, namespace, name string) (*staxv1.Stub, []byte, error) {
	s, err := cs.StaxV1alpha1().Stubs(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	body, err := cs.StaxV1alpha1().RESTClient().Get().Namespace(namespace).Resource("stubs").Name(name).
		SubResource("document").Stream(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the document of stub %s/%s: %w", namespace, name, err)
	}
	defer body.Close()
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the document of stub %s/%s: %w", namespace, name, err)
	}
	if size := s.Status.Document.SizeBytes; size > 0 && int64(len(data)) != size {
		return nil, nil, fmt.Errorf("the document of stub %s/%s came with %d of its %d bytes", namespace, name, len(data), size)
	}
	return s, data, nil
}
