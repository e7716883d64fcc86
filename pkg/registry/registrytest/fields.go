package registrytest

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"k8s.io/apimachinery/pkg/runtime/schema"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
)

// CheckFieldSelectors ties what a store lets a field selector match (the
// fields its predicate's GetAttrs gives) to what the scheme's field-label
// conversion for gvk accepts: every field of the first is accepted, and
// every field path of the versioned kind the conversion accepts is in the
// first. A field in only one of them is either refused although it
// could match, or accepted and then matches nothing.
func CheckFieldSelectors(t *testing.T, store *genericregistry.Store, gvk schema.GroupVersionKind) {
	t.Helper()
	versioned, err := Scheme.New(gvk)
	if err != nil {
		t.Fatal(err)
	}
	_, set, err := store.PredicateFunc(labels.Everything(), fields.Everything()).GetAttrs(store.NewFunc())
	if err != nil {
		t.Fatal(err)
	}
	accepts := func(label string) bool {
		_, _, err := Scheme.ConvertFieldLabel(gvk, label, "x")
		return err == nil
	}
	exposed := make([]string, 0, len(set))
	for label := range set {
		exposed = append(exposed, label)
	}
	sort.Strings(exposed)
	for _, label := range exposed {
		if !accepts(label) {
			t.Errorf("%s: GetAttrs gives %q, but the field-label conversion refuses it", gvk.Kind, label)
		}
	}
	paths := FieldPaths(versioned)
	for _, label := range paths {
		if _, ok := set[label]; accepts(label) && !ok {
			t.Errorf("%s: the field-label conversion accepts %q, but GetAttrs does not give it", gvk.Kind, label)
		}
	}
	// The check above only means something if the walk found the fields.
	for _, label := range exposed {
		if i := sort.SearchStrings(paths, label); i == len(paths) || paths[i] != label {
			t.Errorf("%s: %q is not a field of %s", gvk.Kind, label, gvk.GroupVersion())
		}
	}
}

var marshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()

// FieldPaths lists the dotted JSON paths of the scalar fields of obj's
// (versioned) type: what a field selector could name. It does not enter
// lists or maps; types with their own JSON form (times, quantities) are
// scalars.
func FieldPaths(obj any) []string {
	var out []string
	var walk func(t reflect.Type, prefix string, depth int)
	walk = func(t reflect.Type, prefix string, depth int) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if depth > 8 {
			return
		}
		if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(marshaler) || t.Implements(marshaler) {
			switch t.Kind() {
			case reflect.Slice, reflect.Map, reflect.Array, reflect.Interface:
				return
			}
			if prefix != "" {
				out = append(out, prefix)
			}
			return
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" && (f.Anonymous || strings.Contains(opts, "inline")) {
				walk(f.Type, prefix, depth+1)
				continue
			}
			if name == "" {
				name = f.Name
			}
			if prefix != "" {
				name = prefix + "." + name
			}
			walk(f.Type, name, depth+1)
		}
	}
	walk(reflect.TypeOf(obj), "", 0)
	sort.Strings(out)
	return out
}
