package quota

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/microstax/stax/pkg/apis/stax"
)

// Exceeded says which caps of q the request would pass, worded as
// Kubernetes' ResourceQuota admission words it: "exceeded quota: <name>,
// requested: ..., used: ..., limited: ...". used is what the organization's
// other environments ask for; requested is the environment being written.
// A cap is checked only when the write raises that amount (grows is false
// for an amount the write leaves or lowers), so an organization already
// past a lowered quota can still shrink or stop its environments.
// nil means within quota.
func Exceeded(name string, q *stax.OrganizationQuota, used, requested Usage, grows func(resourceName string) bool) error {
	if q == nil {
		return nil
	}
	var req, use, lim []string
	over := func(resourceName, r, u, l string) {
		req = append(req, resourceName+"="+r)
		use = append(use, resourceName+"="+u)
		lim = append(lim, resourceName+"="+l)
	}
	if q.Environments != nil && grows("environments") && used.Environments+requested.Environments > int64(*q.Environments) {
		over("environments", itoa(requested.Environments), itoa(used.Environments), itoa(int64(*q.Environments)))
	}
	if q.Replicas != nil && grows("replicas") && used.Replicas+requested.Replicas > int64(*q.Replicas) {
		over("replicas", itoa(requested.Replicas), itoa(used.Replicas), itoa(int64(*q.Replicas)))
	}
	if q.CPU != nil && grows("cpu") && exceeds(sum(used.CPU, requested.CPU), *q.CPU) {
		over("cpu", requested.CPU.String(), used.CPU.String(), q.CPU.String())
	}
	if q.Memory != nil && grows("memory") && exceeds(sum(used.Memory, requested.Memory), *q.Memory) {
		over("memory", requested.Memory.String(), used.Memory.String(), q.Memory.String())
	}
	if len(req) == 0 {
		return nil
	}
	return fmt.Errorf("exceeded quota: %s, requested: %s, used: %s, limited: %s",
		name, strings.Join(req, ","), strings.Join(use, ","), strings.Join(lim, ","))
}

// Grows compares the old and new usage of one environment: nil old (a
// create) grows everything it asks for.
func Grows(old *Usage, requested Usage) func(string) bool {
	return func(resourceName string) bool {
		if old == nil {
			return true
		}
		switch resourceName {
		case "environments":
			return false
		case "replicas":
			return requested.Replicas > old.Replicas
		case "cpu":
			return requested.CPU.Cmp(old.CPU) > 0
		case "memory":
			return requested.Memory.Cmp(old.Memory) > 0
		}
		return true
	}
}

func exceeds(total, limit resource.Quantity) bool { return total.Cmp(limit) > 0 }

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
