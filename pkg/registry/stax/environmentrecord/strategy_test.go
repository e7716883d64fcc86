package environmentrecord_test

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/environmentrecord"
)

func newREST(t *testing.T) *environmentrecord.REST {
	t.Helper()
	r, err := environmentrecord.NewREST(registrytest.Scheme, registrytest.RESTOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Store.DestroyFunc)
	return r
}

func newRecord(name string) *stax.EnvironmentRecord {
	return &stax.EnvironmentRecord{
		ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: "acme"},
		Environment:    "shop",
		EnvironmentUID: "uid-1",
		CreatedBy:      "alice",
		CreatedAt:      metav1.NewTime(time.Now().Add(-time.Hour)),
		DeletedAt:      metav1.Now(),
		RunningSeconds: 3600,
		Usage:          stax.ResourceUsage{CPUCoreHours: "0.5"},
	}
}

func TestStrategy(t *testing.T) {
	r := newREST(t)
	create := r.Store.CreateStrategy
	update := r.Store.UpdateStrategy
	ctx := context.Background()
	if !create.NamespaceScoped() || update.AllowCreateOnUpdate(ctx) || update.AllowUnconditionalUpdate(ctx) {
		t.Errorf("records are namespaced, never created by an update and only updated with a resourceVersion")
	}

	// Create keeps everything the controller wrote.
	rec := newRecord("shop-1")
	want := rec.DeepCopy()
	create.PrepareForCreate(ctx, rec)
	if rec.Environment != want.Environment || rec.CreatedBy != want.CreatedBy || rec.RunningSeconds != want.RunningSeconds || rec.Usage != want.Usage {
		t.Errorf("create changed the record: %+v", rec)
	}
	if errs := create.Validate(ctx, rec); len(errs) != 0 {
		t.Errorf("a valid record refused: %v", errs)
	}
	noEnv := newRecord("shop-2")
	noEnv.Environment = ""
	if errs := create.Validate(ctx, noEnv); !registrytest.HasError(errs, "environment", field.ErrorTypeRequired) {
		t.Errorf("a record of no environment passed: %v", errs)
	}
	badName := newRecord("Shop_1")
	if errs := create.Validate(ctx, badName); !registrytest.HasError(errs, "metadata.name", field.ErrorTypeInvalid) {
		t.Errorf("a record with an invalid name passed: %v", errs)
	}

	// No update passes, not even of metadata alone.
	old := newRecord("shop-1")
	old.ResourceVersion = "3"
	labelled := old.DeepCopy()
	labelled.Labels = map[string]string{"a": "b"}
	update.PrepareForUpdate(ctx, labelled, old)
	if errs := update.ValidateUpdate(ctx, labelled, old); len(errs) == 0 || errs[0].Type != field.ErrorTypeForbidden {
		t.Errorf("an update of a record passed: %v", errs)
	}
}

func TestStorage(t *testing.T) {
	r := newREST(t)
	ctx := registrytest.Context("acme", "controller")
	obj, err := r.Create(ctx, newRecord("shop-1"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := obj.(*stax.EnvironmentRecord)
	rec.CreatedBy = "mallory"
	_, _, err = r.Update(ctx, rec.Name, rest.DefaultUpdatedObjectInfo(rec), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("rewriting history: want 422, got %v", err)
	}
	got, err := r.Get(ctx, "shop-1", &metav1.GetOptions{})
	if err != nil || got.(*stax.EnvironmentRecord).CreatedBy != "alice" {
		t.Fatalf("after a refused update: %v %+v", err, got)
	}
	if _, _, err := r.Delete(ctx, "shop-1", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatalf("records can be deleted: %v", err)
	}
}

func TestFieldSelectorsMatchFieldLabelConversion(t *testing.T) {
	registrytest.CheckFieldSelectors(t, newREST(t).Store, v1alpha1.SchemeGroupVersion.WithKind("EnvironmentRecord"))
}
