package quota

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/microstax/stax/pkg/apis/stax"
)

func env(replicas int32, cpu, memory string) *stax.Environment {
	return &stax.Environment{Spec: stax.EnvironmentSpec{Blueprint: stax.Blueprint{Services: []stax.ServiceSpec{
		{Name: "a", Replicas: ptr.To(replicas), Resources: stax.ResourceRequirements{Requests: stax.ResourceList{
			"cpu": intstr.FromString(cpu), "memory": intstr.FromString(memory)}}},
		{Name: "b"}, // one replica by default, no requests
	}}}}
}

func TestUsageOf(t *testing.T) {
	u := UsageOf(env(3, "250m", "1Gi"))
	if u.Environments != 1 || u.Replicas != 4 || u.CPU.String() != "750m" || u.Memory.String() != "3Gi" {
		t.Fatalf("usage %+v cpu %s memory %s", u, u.CPU.String(), u.Memory.String())
	}
}

func TestExceeded(t *testing.T) {
	q := &stax.OrganizationQuota{Environments: ptr.To[int32](2), Replicas: ptr.To[int32](10),
		CPU: ptr.To(resource.MustParse("2")), Memory: ptr.To(resource.MustParse("4Gi"))}
	used := UsageOf(env(3, "500m", "1Gi")) // 1 env, 4 replicas, 1500m, 3Gi
	for _, c := range []struct {
		name      string
		requested *stax.Environment
		old       *stax.Environment
		want      string // "" is within quota
	}{
		{"within", env(1, "100m", "512Mi"), nil, ""},
		{"replicas", env(6, "10m", "1Mi"), nil, "requested: replicas=7, used: replicas=4, limited: replicas=10"},
		{"cpu", env(1, "600m", "1Mi"), nil, "requested: cpu=600m, used: cpu=1500m, limited: cpu=2"},
		{"memory", env(1, "1m", "2Gi"), nil, "requested: memory=2Gi, used: memory=3Gi, limited: memory=4Gi"},
		// An update that lowers what it asks for passes, even over quota.
		{"shrinking", env(8, "1m", "1Mi"), env(9, "1m", "1Mi"), ""},
		{"growing", env(9, "1m", "1Mi"), env(1, "1m", "1Mi"), "requested: replicas=10"},
	} {
		var before *Usage
		if c.old != nil {
			u := UsageOf(c.old)
			before = &u
		}
		requested := UsageOf(c.requested)
		err := Exceeded("acme", q, used, requested, Grows(before, requested))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "exceeded quota: acme, ")):
			t.Errorf("%s: want %q, got %v", c.name, c.want, err)
		}
	}
	full := used.Add(UsageOf(env(1, "1m", "1Mi")))
	if err := Exceeded("acme", q, full, UsageOf(env(1, "1m", "1Mi")), Grows(nil, Usage{})); err == nil ||
		!strings.Contains(err.Error(), "requested: environments=1, used: environments=2, limited: environments=2") {
		t.Errorf("third environment: %v", err)
	}
	if err := Exceeded("acme", nil, full, UsageOf(env(100, "100", "100Gi")), Grows(nil, Usage{})); err != nil {
		t.Errorf("no quota is unlimited: %v", err)
	}
}
