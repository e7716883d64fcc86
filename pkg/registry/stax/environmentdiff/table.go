package environmentdiff

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/table"
)

var tableConvertor = table.Convertor[*stax.EnvironmentDiff]{
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the overlay."},
		{Name: "Endpoints", Type: "integer", Description: "Endpoints compared."},
		{Name: "Requests", Type: "integer", Description: "Requests compared on all endpoints."},
		{Name: "Differences", Type: "integer", Description: "Fields whose verdict is Difference."},
		{Name: "Updated", Type: "string", Description: "Time since the last compared request."},
	},
	Cells: func(d *stax.EnvironmentDiff) []interface{} {
		var requests, differences int64
		for _, e := range d.Report.Endpoints {
			requests += e.Requests
			for _, f := range e.Fields {
				if f.Verdict == stax.DiffVerdictDifference {
					differences++
				}
			}
		}
		updated := "<never>"
		if u := d.Report.Updated; u != nil {
			updated = duration.HumanDuration(metav1.Now().Sub(u.Time))
		}
		return []interface{}{d.Name, int64(len(d.Report.Endpoints)), requests, differences, updated}
	},
}
