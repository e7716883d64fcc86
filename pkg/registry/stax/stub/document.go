package stub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
)

// ChunkBytes is the most document bytes one chunk holds. Stored as JSON,
// the bytes are base64 (4/3 as many), so a whole chunk object stays under
// 1 MiB, well inside what etcd takes in a request (1.5 MiB).
const ChunkBytes = 768<<10 - 4<<10

// Labels of a chunk: its Stub, and the digest of the document it is part of.
const (
	labelStub   = "stax.microstax.ai/stub"
	labelDigest = "stax.microstax.ai/document"
)

// DocumentREST serves stubs/{name}/document: PUT streams a document in
// (any media type; the bytes are the document), GET streams it back. An
// upload is written as new chunks first; the Stub's status then names
// them and the old ones go, so a failed upload leaves the old document.
type DocumentREST struct {
	stubs    *genericregistry.Store
	chunks   *genericregistry.Store
	maxBytes int64
}

var _ rest.Connecter = &DocumentREST{}

// New returns an empty Stub: PUT answers with the Stub.
func (r *DocumentREST) New() runtime.Object { return &stax.Stub{} }

// Destroy is a no-op: the main store owns the storage.
func (r *DocumentREST) Destroy() {}

// ConnectMethods are the methods of the subresource.
func (r *DocumentREST) ConnectMethods() []string { return []string{http.MethodGet, http.MethodPut} }

// NewConnectOptions: the subresource takes no options.
func (r *DocumentREST) NewConnectOptions() (runtime.Object, bool, string) { return nil, false, "" }

// ProducesMIMETypes: GET answers with the document's bytes.
func (r *DocumentREST) ProducesMIMETypes(verb string) []string {
	return []string{"application/octet-stream"}
}

// ProducesObject: the answer of a GET is bytes.
func (r *DocumentREST) ProducesObject(verb string) interface{} { return "" }

// Connect serves the request on the Stub name.
func (r *DocumentREST) Connect(ctx context.Context, name string, _ runtime.Object, responder rest.Responder) (http.Handler, error) {
	obj, err := r.stubs.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	s := obj.(*stax.Stub)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.Method {
		case http.MethodGet:
			if err := r.download(ctx, w, s); err != nil {
				responder.Error(err)
			}
		case http.MethodPut:
			out, err := r.upload(ctx, s, req.Body)
			if err != nil {
				responder.Error(err)
				return
			}
			responder.Object(http.StatusOK, out)
		}
	}), nil
}

func chunkName(stub, digest string, i int) string {
	return fmt.Sprintf("%s.%s.%d", stub, digest[:16], i)
}

// upload reads the body (refusing past maxBytes with 413), stores it in
// chunks, parses it and records what it found in the Stub's status.
func (r *DocumentREST) upload(ctx context.Context, s *stax.Stub, body io.Reader) (runtime.Object, error) {
	data, err := io.ReadAll(io.LimitReader(body, r.maxBytes+1))
	if err != nil {
		return nil, apierrors.NewBadRequest("reading the document: " + err.Error())
	}
	if int64(len(data)) > r.maxBytes {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("a stub document may be at most %d bytes", r.maxBytes))
	}
	if len(data) == 0 {
		return nil, apierrors.NewBadRequest("the document is empty")
	}
	// Parsed first: a document that is no OpenAPI document is refused
	// before anything is stored.
	status := analyze(ctx, data, int32((len(data)+ChunkBytes-1)/ChunkBytes))
	if notParsed(status) {
		return nil, apierrors.NewInvalid(stax.Kind("Stub"), s.Name, field.ErrorList{
			field.Invalid(field.NewPath("document"), fmt.Sprintf("%d bytes", len(data)), status.Message)})
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	n := 0
	for off := 0; off < len(data); off += ChunkBytes {
		end := min(off+ChunkBytes, len(data))
		c := &stax.StubDocumentChunk{
			ObjectMeta: metav1.ObjectMeta{Name: chunkName(s.Name, digest, n), Namespace: s.Namespace,
				Labels: map[string]string{labelStub: s.Name, labelDigest: digest[:16]}},
			Stub: s.Name, Index: int32(n), Data: data[off:end],
		}
		if _, err := r.chunks.Create(ctx, c, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, err
		}
		n++
	}
	out, _, err := r.stubs.Update(ctx, s.Name, rest.DefaultUpdatedObjectInfo(nil, func(ctx context.Context, obj, old runtime.Object) (runtime.Object, error) {
		cur := old.(*stax.Stub).DeepCopy()
		cur.Spec.Document = ""
		cur.Status = status
		return cur, nil
	}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return out, deleteChunks(ctx, r.chunks, s.Name, digest[:16])
}

// download writes the document: the inline one, or the chunks in order.
func (r *DocumentREST) download(ctx context.Context, w http.ResponseWriter, s *stax.Stub) error {
	if s.Status.Document.Chunks == 0 {
		if s.Spec.Document == "" {
			return apierrors.NewNotFound(stax.Resource("stubs/document"), s.Name)
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(s.Spec.Document)))
		_, _ = io.WriteString(w, s.Spec.Document)
		return nil
	}
	digest := s.Status.Document.Digest[len("sha256:"):]
	// The first chunk is read before the answer starts, so a missing
	// document is still an error status, not a cut stream.
	first, err := r.chunks.Get(ctx, chunkName(s.Name, digest, 0), &metav1.GetOptions{})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(s.Status.Document.SizeBytes, 10))
	_, _ = io.Copy(w, bytes.NewReader(first.(*stax.StubDocumentChunk).Data))
	for i := 1; i < int(s.Status.Document.Chunks); i++ {
		obj, err := r.chunks.Get(ctx, chunkName(s.Name, digest, i), &metav1.GetOptions{})
		if err != nil {
			// Headers are sent: cutting the stream short is all that is
			// left, and Content-Length tells the reader.
			return nil
		}
		if _, err := w.Write(obj.(*stax.StubDocumentChunk).Data); err != nil {
			return nil
		}
	}
	return nil
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }
