// Package table prints objects of any of our resources as a metav1.Table,
// so each resource only says what its columns are and what a row holds.
package table

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Convertor is a rest.TableConvertor made of column definitions and a
// function that gives one object's cells.
type Convertor[T runtime.Object] struct {
	Columns []metav1.TableColumnDefinition
	Cells   func(T) []interface{}
}

// ConvertToTable prints obj, one object or a list of them.
func (c Convertor[T]) ConvertToTable(_ context.Context, obj runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{}
	if opt, ok := tableOptions.(*metav1.TableOptions); !ok || !opt.NoHeaders {
		table.ColumnDefinitions = c.Columns
	}
	items := []runtime.Object{obj}
	if meta.IsListType(obj) {
		m, err := meta.ListAccessor(obj)
		if err != nil {
			return nil, err
		}
		table.ResourceVersion, table.Continue, table.RemainingItemCount = m.GetResourceVersion(), m.GetContinue(), m.GetRemainingItemCount()
		if items, err = meta.ExtractList(obj); err != nil {
			return nil, err
		}
	} else if m, err := meta.CommonAccessor(obj); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
	}
	table.Rows = make([]metav1.TableRow, 0, len(items))
	for _, item := range items {
		typed, ok := item.(T)
		if !ok {
			return nil, fmt.Errorf("cannot print %T in this table", item)
		}
		table.Rows = append(table.Rows, metav1.TableRow{Object: runtime.RawExtension{Object: item}, Cells: c.Cells(typed)})
	}
	return table, nil
}
