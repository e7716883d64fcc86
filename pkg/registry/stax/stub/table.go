package stub

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/table"
)

// tableConvertor prints stubs for kubectl get.
var tableConvertor = table.Convertor[*stax.Stub]{
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the stub."},
		{Name: "Phase", Type: "string", Description: "Pending (no document), Ready or Invalid."},
		{Name: "Title", Type: "string", Description: "The document's info.title."},
		{Name: "Operations", Type: "integer", Description: "Operations of the document."},
		{Name: "Warnings", Type: "integer", Description: "What the stub works around."},
		{Name: "Errors", Type: "integer", Description: "The document's violations of the specification."},
		{Name: "Age", Type: "string", Description: "Time since creation."},
	},
	Cells: func(s *stax.Stub) []interface{} {
		age := "<unknown>"
		if !s.CreationTimestamp.IsZero() {
			age = duration.HumanDuration(metav1.Now().Sub(s.CreationTimestamp.Time))
		}
		return []interface{}{s.Name, string(s.Status.Phase), s.Status.Title, int64(s.Status.OperationCount),
			int64(s.Status.WarningCount), int64(s.Status.ErrorCount), age}
	},
}
