package quorum_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/quorum"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/environment"
)

func TestMain(m *testing.M) { registrytest.Main(m) }

// The lister reads what the store wrote, of the request's namespace only,
// selected by the store's own fields.
func TestListerReadsTheStoresObjects(t *testing.T) {
	optsGetter := registrytest.RESTOptions(t)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &stax.Environment{} },
		NewListFunc:               func() runtime.Object { return &stax.EnvironmentList{} },
		PredicateFunc:             environment.Match,
		DefaultQualifiedResource:  stax.Resource("environments"),
		SingularQualifiedResource: stax.Resource("environment"),
		CreateStrategy:            anyCreate{registrytest.Scheme, names.SimpleNameGenerator},
		DeleteStrategy:            anyCreate{registrytest.Scheme, names.SimpleNameGenerator},
		TableConvertor:            rest.NewDefaultTableConvertor(stax.Resource("environments")),
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: environment.GetAttrs}); err != nil {
		t.Fatal(err)
	}
	defer store.Destroy()
	lister, err := quorum.NewLister(store, optsGetter)
	if err != nil {
		t.Fatal(err)
	}
	defer lister.Destroy()

	create := func(ns, name, baseline string) {
		t.Helper()
		env := &stax.Environment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: stax.EnvironmentSpec{Blueprint: stax.Blueprint{Services: []stax.ServiceSpec{{Name: "web", Image: "web:1"}}}}}
		if baseline != "" {
			env.Spec.BaselineRef = &stax.BaselineReference{Name: baseline}
		}
		if _, err := store.Create(registrytest.Context(ns, "alice"), env, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	create("acme", "main-env", "")
	create("acme", "feat-a", "main")
	create("acme", "feat-b", "main")
	create("acme", "other", "next")
	create("globex", "feat-c", "main")

	names := func(ns string, sel fields.Selector) string {
		t.Helper()
		obj, err := lister.List(registrytest.Context(ns, ""), sel)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range obj.(*stax.EnvironmentList).Items {
			out = append(out, e.Namespace+"/"+e.Name)
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	if got := names("acme", fields.OneTermEqualSelector("spec.baselineRef.name", "main")); got != "acme/feat-a,acme/feat-b" {
		t.Errorf("overlays of main in acme: %s", got)
	}
	if got := names("acme", fields.Everything()); got != "acme/feat-a,acme/feat-b,acme/main-env,acme/other" {
		t.Errorf("all of acme: %s", got)
	}
	if got := names("initech", fields.Everything()); got != "" {
		t.Errorf("a namespace with none: %s", got)
	}
}

// anyCreate stores what it is given: this test is of the lister, not of
// an environment's rules.
type anyCreate struct {
	runtime.ObjectTyper
	names.NameGenerator
}

func (anyCreate) NamespaceScoped() bool                                    { return true }
func (anyCreate) PrepareForCreate(context.Context, runtime.Object)         {}
func (anyCreate) Validate(context.Context, runtime.Object) field.ErrorList { return nil }
func (anyCreate) WarningsOnCreate(context.Context, runtime.Object) []string {
	return nil
}
func (anyCreate) Canonicalize(runtime.Object) {}
