package stub

import (
	"context"

	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"

	"github.com/microstax/stax/pkg/apis/stax"
)

// DefaultMaxDocumentBytes is the default limit of an uploaded document.
const DefaultMaxDocumentBytes = 32 << 20

// REST is the etcd-backed store of stubs.
type REST struct {
	*genericregistry.Store
	chunks *genericregistry.Store
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// ShortNames lets kubectl say "stb".
func (*REST) ShortNames() []string { return []string{"stb"} }

// Categories puts stubs in "kubectl get stax".
func (*REST) Categories() []string { return []string{"stax"} }

// Storage is every REST endpoint of the stubs resource.
type Storage struct {
	Stub     *REST
	Document *DocumentREST
}

// NewStorage builds the stores of stubs and of their documents' chunks;
// maxDocument bounds an upload to stubs/{name}/document (0 is the default).
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, maxDocument int64) (*Storage, error) {
	if maxDocument <= 0 {
		maxDocument = DefaultMaxDocumentBytes
	}
	s := newStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &stax.Stub{} },
		NewListFunc:               func() runtime.Object { return &stax.StubList{} },
		PredicateFunc:             match,
		DefaultQualifiedResource:  stax.Resource("stubs"),
		SingularQualifiedResource: stax.Resource("stub"),

		CreateStrategy:      s,
		UpdateStrategy:      s,
		DeleteStrategy:      s,
		ResetFieldsStrategy: s,

		TableConvertor: tableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}); err != nil {
		return nil, err
	}
	documentStore := *store
	documentStore.UpdateStrategy = documentStrategy{s}

	cs := chunkStrategy{scheme, names.SimpleNameGenerator}
	chunks := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &stax.StubDocumentChunk{} },
		NewListFunc:               func() runtime.Object { return &stax.StubDocumentChunkList{} },
		DefaultQualifiedResource:  stax.Resource("stubdocumentchunks"),
		SingularQualifiedResource: stax.Resource("stubdocumentchunk"),
		CreateStrategy:            cs,
		DeleteStrategy:            cs,
		TableConvertor:            rest.NewDefaultTableConvertor(stax.Resource("stubdocumentchunks")),
	}
	if err := chunks.CompleteWithOptions(&generic.StoreOptions{RESTOptions: uncached{optsGetter}, AttrFunc: chunkAttrs}); err != nil {
		return nil, err
	}
	return &Storage{
		Stub:     &REST{Store: store, chunks: chunks},
		Document: &DocumentREST{stubs: &documentStore, chunks: chunks, maxBytes: maxDocument},
	}, nil
}

// uncached keeps chunks out of the watch cache: they are read once, by
// name, when stax-stub starts, and would only hold memory there.
type uncached struct {
	generic.RESTOptionsGetter
}

func (u uncached) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	opts, err := u.RESTOptionsGetter.GetRESTOptions(resource, example)
	opts.Decorator = generic.UndecoratedStorage
	return opts, err
}

// Delete deletes the Stub and then its document's chunks.
func (r *REST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	obj, done, err := r.Store.Delete(ctx, name, deleteValidation, options)
	if err != nil || (options != nil && len(options.DryRun) > 0) {
		return obj, done, err
	}
	return obj, done, deleteChunks(ctx, r.chunks, name, "")
}

// deleteChunks deletes the chunks of the stub, all of them or (keep set)
// all but those of the document whose digest label is keep.
func deleteChunks(ctx context.Context, chunks *genericregistry.Store, stubName, keep string) error {
	sel := labels.SelectorFromSet(labels.Set{labelStub: stubName})
	obj, err := chunks.List(ctx, &metainternalversion.ListOptions{LabelSelector: sel})
	if err != nil {
		return err
	}
	for _, c := range obj.(*stax.StubDocumentChunkList).Items {
		if keep != "" && c.Labels[labelDigest] == keep {
			continue
		}
		if _, _, err := chunks.Delete(ctx, c.Name, rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}

// Destroy closes the chunks' storage with the stubs': no API path serves
// chunks, so the server's shutdown would not close it, and its open etcd
// client would hold up embedded etcd's stop.
func (r *REST) Destroy() {
	r.Store.Destroy()
	r.chunks.Destroy()
}
