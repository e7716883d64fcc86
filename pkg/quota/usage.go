// Package quota enforces an Organization's spec.quota on its Environments:
// how many there are, their replicas and the CPU and memory those replicas
// request, in total. Every stored Environment counts, stopped or not, so
// stop and resume never change usage and resume is never refused.
package quota

import (
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
)

// Usage is what environments ask for, summed.
type Usage struct {
	Environments int64
	Replicas     int64
	CPU          resource.Quantity
	Memory       resource.Quantity
}

// UsageOf is what one Environment asks for: itself, every service's
// replicas, and replicas times each replica's CPU and memory request.
func UsageOf(env *stax.Environment) Usage {
	u := Usage{Environments: 1}
	for _, s := range env.Spec.Blueprint.Services {
		replicas := int64(1) // the default, when the object was not defaulted
		if s.Replicas != nil {
			replicas = int64(*s.Replicas)
		}
		u.Replicas += replicas
		addRequest(&u.CPU, s.Resources.Requests, "cpu", replicas)
		addRequest(&u.Memory, s.Resources.Requests, "memory", replicas)
	}
	return u
}

// Add sums two usages.
func (u Usage) Add(o Usage) Usage {
	u.Environments += o.Environments
	u.Replicas += o.Replicas
	u.CPU = sum(u.CPU, o.CPU)
	u.Memory = sum(u.Memory, o.Memory)
	return u
}

func addRequest(total *resource.Quantity, requests stax.ResourceList, name string, replicas int64) {
	v, ok := requests[name]
	if !ok {
		return
	}
	// Validation has refused a malformed quantity before usage is asked.
	q, err := validation.ParseQuantity(v)
	if err != nil {
		return
	}
	for i := int64(0); i < replicas; i++ {
		total.Add(q)
	}
}

func sum(a, b resource.Quantity) resource.Quantity {
	a = a.DeepCopy()
	a.Add(b)
	return a
}
