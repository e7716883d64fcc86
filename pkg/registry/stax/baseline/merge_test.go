package baseline_test

import (
	"testing"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/diff"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/stax/baseline"
)

func int32p(n int32) *int32 { return &n }

// frozen is a baseline's blueprint: db <- api <- web.
func frozen() *stax.Blueprint {
	return &stax.Blueprint{Services: []stax.ServiceSpec{
		{Name: "db", Image: "postgres:16", Replicas: int32p(1), Ports: []stax.ServicePort{{Name: "sql", Port: 5432, Protocol: stax.ProtocolTCP}}},
		{
			Name: "api", Image: "api:1", Command: []string{"./api"}, Args: []string{"--port", "8080"}, Replicas: int32p(2),
			Env:       []stax.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "DB_POOL", Value: "5"}},
			Ports:     []stax.ServicePort{{Name: "http", Port: 8080, Protocol: stax.ProtocolTCP}},
			Resources: stax.ResourceRequirements{Requests: stax.ResourceList{"cpu": intstr.FromString("100m")}, Limits: stax.ResourceList{"cpu": intstr.FromInt32(1)}},
			Health:    &stax.HealthCheck{HTTP: &stax.HTTPHealthCheck{Path: "/healthz", Port: intstr.FromString("http")}, PeriodSeconds: 10, FailureThreshold: 3},
			DependsOn: []string{"db"},
		},
		{Name: "web", Image: "web:1", Replicas: int32p(1), DependsOn: []string{"api"}},
	}}
}

// api is the baseline's api changed by edit.
func api(edit func(*stax.ServiceSpec)) stax.ServiceSpec {
	s := frozen().Services[1]
	edit(&s)
	return s
}

func TestMergeOverlay(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes []stax.ServiceChange
		want    []stax.ServiceSpec
	}{{
		name:    "image only: the rest is the baseline's",
		changes: []stax.ServiceChange{{Name: "api", Image: "api:2"}},
		want:    []stax.ServiceSpec{api(func(s *stax.ServiceSpec) { s.Image = "api:2" })},
	}, {
		name:    "command and args replace; an empty args clears",
		changes: []stax.ServiceChange{{Name: "api", Command: []string{"./api-v2"}, Args: []string{}}},
		want:    []stax.ServiceSpec{api(func(s *stax.ServiceSpec) { s.Command, s.Args = []string{"./api-v2"}, []string{} })},
	}, {
		name:    "env merged by name: replaced in place, new appended",
		changes: []stax.ServiceChange{{Name: "api", Env: []stax.EnvVar{{Name: "FEATURE", Value: "on"}, {Name: "LOG_LEVEL", Value: "debug"}}}},
		want: []stax.ServiceSpec{api(func(s *stax.ServiceSpec) {
			s.Env = []stax.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}, {Name: "DB_POOL", Value: "5"}, {Name: "FEATURE", Value: "on"}}
		})},
	}, {
		name:    "a variable from a secret replaces a literal one",
		changes: []stax.ServiceChange{{Name: "api", Env: []stax.EnvVar{{Name: "DB_POOL", ValueFrom: &stax.EnvVarSource{SecretRef: &stax.SecretKeyReference{Name: "db", Key: "pool"}}}}}},
		want: []stax.ServiceSpec{api(func(s *stax.ServiceSpec) {
			s.Env[1] = stax.EnvVar{Name: "DB_POOL", ValueFrom: &stax.EnvVarSource{SecretRef: &stax.SecretKeyReference{Name: "db", Key: "pool"}}}
		})},
	}, {
		name:    "replicas, and requests without limits",
		changes: []stax.ServiceChange{{Name: "api", Replicas: int32p(0), Resources: &stax.ResourceRequirements{Requests: stax.ResourceList{"memory": intstr.FromString("64Mi")}}}},
		want: []stax.ServiceSpec{api(func(s *stax.ServiceSpec) {
			s.Replicas = int32p(0)
			s.Resources.Requests = stax.ResourceList{"memory": intstr.FromString("64Mi")}
		})},
	}, {
		name:    "health replaced whole",
		changes: []stax.ServiceChange{{Name: "api", Health: &stax.HealthCheck{TCP: &stax.TCPHealthCheck{Port: intstr.FromInt32(8080)}}}},
		want: []stax.ServiceSpec{api(func(s *stax.ServiceSpec) {
			s.Health = &stax.HealthCheck{TCP: &stax.TCPHealthCheck{Port: intstr.FromInt32(8080)}}
		})},
	}, {
		name: "a new service is taken whole, after the changed ones in the request's order",
		changes: []stax.ServiceChange{
			{Name: "cache", Command: []string{"./cache"}, Ports: []stax.ServicePort{{Name: "tcp", Port: 6379}}, DependsOn: []string{"db"},
				Resources: &stax.ResourceRequirements{Limits: stax.ResourceList{"memory": intstr.FromString("32Mi")}}},
			{Name: "web", Image: "web:2"},
		},
		want: []stax.ServiceSpec{
			{Name: "cache", Command: []string{"./cache"}, Ports: []stax.ServicePort{{Name: "tcp", Port: 6379}}, DependsOn: []string{"db"},
				Resources: stax.ResourceRequirements{Limits: stax.ResourceList{"memory": intstr.FromString("32Mi")}}},
			{Name: "web", Image: "web:2", Replicas: int32p(1), DependsOn: []string{"api"}},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			base := frozen()
			got := baseline.MergeOverlay(base, tc.changes)
			if !apiequality.Semantic.DeepEqual(got.Services, tc.want) {
				t.Fatalf("merged:\n%s", diff.Diff(tc.want, got.Services))
			}
			if !apiequality.Semantic.DeepEqual(base, frozen()) {
				t.Fatalf("the frozen blueprint was changed:\n%s", diff.Diff(frozen(), base))
			}
		})
	}
}
