package secret_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/secret"
)

func newStorage(t *testing.T) *secret.Storage {
	t.Helper()
	s, err := secret.NewStorage(registrytest.Scheme, registrytest.RESTOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Secret.Store.DestroyFunc)
	return s
}

func newSecret(name string, data map[string]string) *stax.Secret {
	return &stax.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme"}, Data: data}
}

// hidden fails unless obj is a Secret with these keys and no values.
func hidden(t *testing.T, what string, obj runtime.Object, keys ...string) {
	t.Helper()
	s, ok := obj.(*stax.Secret)
	if !ok {
		t.Fatalf("%s: %T, want *stax.Secret", what, obj)
	}
	if s.Data != nil || !slices.Equal(s.Keys, keys) {
		t.Errorf("%s: data %v keys %v, want no data and keys %v", what, s.Data, s.Keys, keys)
	}
}

func TestValuesNeverAnswered(t *testing.T) {
	s := newStorage(t)
	ctx := registrytest.Context("acme", "admin")
	w, err := s.Secret.Watch(ctx, &metainternalversion.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	created, err := s.Secret.Create(ctx, newSecret("db", map[string]string{"password": "hunter2", "user": "app"}), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hidden(t, "create", created, "password", "user")
	got, err := s.Secret.Get(ctx, "db", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hidden(t, "get", got, "password", "user")
	list, err := s.Secret.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range list.(*stax.SecretList).Items {
		hidden(t, "list", &item, "password", "user")
	}

	// A get-modify-update never saw the values: it keeps them.
	relabelled := got.(*stax.Secret)
	relabelled.Labels = map[string]string{"team": "db"}
	relabelled.Keys = []string{"forged"}
	updated, _, err := s.Secret.Update(ctx, "db", rest.DefaultUpdatedObjectInfo(relabelled), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hidden(t, "update", updated, "password", "user")
	values, err := s.Values.Get(ctx, "db", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := values.(*stax.Secret).Data; v["password"] != "hunter2" || v["user"] != "app" {
		t.Errorf("values after an update without data: %v", v)
	}

	// Data replaces the values; data: {} removes them all.
	replaced := updated.(*stax.Secret)
	replaced.Data = map[string]string{}
	updated, _, err = s.Secret.Update(ctx, "db", rest.DefaultUpdatedObjectInfo(replaced), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hidden(t, "update with data: {}", updated)

	deleted, _, err := s.Secret.Delete(ctx, "db", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sec, ok := deleted.(*stax.Secret); ok && sec.Data != nil {
		t.Errorf("delete answered values: %v", sec.Data)
	}

	for _, want := range []watch.EventType{watch.Added, watch.Modified, watch.Modified, watch.Deleted} {
		ev := <-w.ResultChan()
		if ev.Type != want {
			t.Fatalf("watch: %s, want %s", ev.Type, want)
		}
		if ev.Object.(*stax.Secret).Data != nil {
			t.Errorf("watch %s carried values", ev.Type)
		}
	}
}

func TestValuesRefusedToTokenUsers(t *testing.T) {
	s := newStorage(t)
	admin := registrytest.Context("acme", "admin")
	if _, err := s.Secret.Create(admin, newSecret("db", map[string]string{"password": "hunter2"}), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	alice := genericapirequest.WithUser(genericapirequest.WithNamespace(context.Background(), "acme"),
		&user.DefaultInfo{Name: "alice", Extra: map[string][]string{auth.ExtraOrganization: {"acme"}}})
	if _, err := s.Values.Get(alice, "db", &metav1.GetOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("a token user of the organization read values: %v", err)
	}
	if _, err := s.Values.Get(admin, "nope", &metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("values of a missing secret: %v, want 404", err)
	}
}

func TestValidation(t *testing.T) {
	s := newStorage(t)
	strategy := s.Secret.Store.CreateStrategy
	ctx := context.Background()
	many := map[string]string{}
	for i := 0; i < 65; i++ {
		many["k"+strings.Repeat("x", i)] = "v"
	}
	for _, c := range []struct {
		data map[string]string
		path string
		typ  field.ErrorType
	}{
		{map[string]string{"bad key": "v"}, "data[bad key]", field.ErrorTypeInvalid},
		{map[string]string{"..": "v"}, "data[..]", field.ErrorTypeInvalid},
		{many, "data", field.ErrorTypeTooMany},
		{map[string]string{"big": strings.Repeat("x", 64<<10)}, "data", field.ErrorTypeTooLong},
	} {
		sec := newSecret("db", c.data)
		strategy.PrepareForCreate(ctx, sec)
		errs := strategy.Validate(ctx, sec)
		if !registrytest.HasError(errs, c.path, c.typ) {
			t.Errorf("want %s %s, got %v", c.typ, c.path, errs)
		}
		for _, e := range errs {
			if strings.Contains(e.Error(), "xxxxxxxx") {
				t.Errorf("an error shows a value: %v", e)
			}
		}
	}
	ok := newSecret("db", map[string]string{"password": "v", "tls.crt": "v", "A_B-c": "v"})
	strategy.PrepareForCreate(ctx, ok)
	if errs := strategy.Validate(ctx, ok); len(errs) != 0 {
		t.Errorf("a valid secret refused: %v", errs)
	}
}
