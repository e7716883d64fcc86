package baseline

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/table"
)

// tableConvertor prints baselines for kubectl get.
var tableConvertor = table.Convertor[*stax.Baseline]{
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the baseline."},
		{Name: "Environment", Type: "string", Description: "The environment promoted to this baseline."},
		{Name: "Phase", Type: "string", Description: "The phase of that environment."},
		{Name: "Overlays", Type: "integer", Description: "Environments branched from this baseline."},
		{Name: "Age", Type: "string", Description: "Time since promotion."},
	},
	Cells: func(b *stax.Baseline) []interface{} {
		age := "<unknown>"
		if !b.CreationTimestamp.IsZero() {
			age = duration.HumanDuration(metav1.Now().Sub(b.CreationTimestamp.Time))
		}
		return []interface{}{b.Name, b.Spec.EnvironmentRef.Name, string(b.Status.Phase), int64(b.Status.Overlays), age}
	},
}
