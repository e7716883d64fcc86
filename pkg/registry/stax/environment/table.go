package environment

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/table"
)

// tableConvertor prints environments for kubectl get.
var tableConvertor = table.Convertor[*stax.Environment]{Columns: columns, Cells: cells}

var columns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Name of the environment."},
	{Name: "Phase", Type: "string", Description: "Where the environment is in its life."},
	{Name: "Ready", Type: "string", Description: "Services ready out of all services in the blueprint."},
	{Name: "Baseline", Type: "string", Description: "The baseline this environment is an overlay of."},
	{Name: "Age", Type: "string", Description: "Time since creation."},
	{Name: "Display Name", Type: "string", Priority: 1, Description: "Human-friendly name."},
	{Name: "Services", Type: "string", Priority: 1, Description: "Names of the blueprint's services."},
	{Name: "Message", Type: "string", Priority: 1, Description: "Message of the Ready condition."},
	{Name: "Shadow", Type: "string", Priority: 1, Description: "Percent of the baseline's traffic mirrored to the overlay, or off; blank for an environment that is not an overlay."},
}

func cells(env *stax.Environment) []interface{} {
	ready := 0
	for _, s := range env.Status.Services {
		if s.DesiredReplicas > 0 && s.ReadyReplicas >= s.DesiredReplicas {
			ready++
		}
	}
	baseline := "<none>"
	if env.Spec.BaselineRef != nil {
		baseline = env.Spec.BaselineRef.Name
	}
	names := make([]string, 0, len(env.Spec.Blueprint.Services))
	for _, s := range env.Spec.Blueprint.Services {
		names = append(names, s.Name)
	}
	message := ""
	for _, c := range env.Status.Conditions {
		if c.Type == stax.ConditionReady {
			message = c.Message
		}
	}
	return []interface{}{
		env.Name,
		string(env.Status.Phase),
		fmt.Sprintf("%d/%d", ready, len(env.Spec.Blueprint.Services)),
		baseline,
		age(env.CreationTimestamp),
		env.Spec.DisplayName,
		strings.Join(names, ","),
		message,
		shadowCell(env),
	}
}

// shadowCell is "25%" while mirroring, "off" for an overlay that is not,
// and blank for an environment that is not an overlay.
func shadowCell(env *stax.Environment) string {
	s := env.Spec.Shadow
	switch {
	case env.Spec.BaselineRef == nil:
		return ""
	case s == nil || !s.Enabled:
		return "off"
	case s.Percent == nil:
		return "on"
	}
	return fmt.Sprintf("%d%%", *s.Percent)
}

func age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(metav1.Now().Sub(t.Time))
}
