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
		name:    "a stub replaces the image, command, args and the health check that probed them",
		changes: []stax.ServiceChange{{Name: "api", Stub: &stax.StubServiceSource{Name: "api-stub"}, Env: []stax.EnvVar{{Name: "FEATURE", Value: "on"}}}},
		want: []stax.ServiceSpec{api(func(s *stax.ServiceSpec) {
			s.Stub, s.Image, s.Command, s.Args, s.Health = &stax.StubServiceSource{Name: "api-stub"}, "", nil, nil, nil
			s.Env = append(s.Env, stax.EnvVar{Name: "FEATURE", Value: "on"})
		})},
	}, {
		name:    "a stub keeps the health check its change sets",
		changes: []stax.ServiceChange{{Name: "api", Stub: &stax.StubServiceSource{Name: "api-stub"}, Health: &stax.HealthCheck{TCP: &stax.TCPHealthCheck{Port: intstr.FromInt32(8080)}}}},
		want: []stax.ServiceSpec{api(func(s *stax.ServiceSpec) {
			s.Stub, s.Image, s.Command, s.Args = &stax.StubServiceSource{Name: "api-stub"}, "", nil, nil
			s.Health = &stax.HealthCheck{TCP: &stax.TCPHealthCheck{Port: intstr.FromInt32(8080)}}
		})},
	}, {
		name:    "a new stub service",
		changes: []stax.ServiceChange{{Name: "pets", Stub: &stax.StubServiceSource{Name: "petstore"}, Ports: []stax.ServicePort{{Name: "http", Port: 8080}}}},
		want:    []stax.ServiceSpec{{Name: "pets", Stub: &stax.StubServiceSource{Name: "petstore"}, Ports: []stax.ServicePort{{Name: "http", Port: 8080}}}},
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

// A baseline's stub given an image or a command runs it: the stub, and
// the health check that probed the stub, go.
func TestMergeOverlayStubBecomesAProcess(t *testing.T) {
	stubbed := &stax.Blueprint{Services: []stax.ServiceSpec{{Name: "pets", Stub: &stax.StubServiceSource{Name: "petstore"}, Replicas: int32p(1),
		Ports:  []stax.ServicePort{{Name: "http", Port: 8080, Protocol: stax.ProtocolTCP}},
		Health: &stax.HealthCheck{HTTP: &stax.HTTPHealthCheck{Path: stax.StubHealthPath, Port: intstr.FromString("http")}}}}}
	for _, tc := range []struct {
		name   string
		change stax.ServiceChange
		want   stax.ServiceSpec
	}{
		{"an image", stax.ServiceChange{Name: "pets", Image: "pets:2"},
			stax.ServiceSpec{Name: "pets", Image: "pets:2", Replicas: int32p(1), Ports: stubbed.Services[0].Ports}},
		{"a command", stax.ServiceChange{Name: "pets", Command: []string{"./pets"}},
			stax.ServiceSpec{Name: "pets", Command: []string{"./pets"}, Replicas: int32p(1), Ports: stubbed.Services[0].Ports}},
		{"env only: still the stub", stax.ServiceChange{Name: "pets", Env: []stax.EnvVar{{Name: "SEED", Value: "1"}}},
			func() stax.ServiceSpec {
				s := *stubbed.Services[0].DeepCopy()
				s.Env = []stax.EnvVar{{Name: "SEED", Value: "1"}}
				return s
			}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := baseline.MergeOverlay(stubbed, []stax.ServiceChange{tc.change})
			if len(got.Services) != 1 || !apiequality.Semantic.DeepEqual(got.Services[0], tc.want) {
				t.Fatalf("merged:\n%s", diff.Diff([]stax.ServiceSpec{tc.want}, got.Services))
			}
			if stubbed.Services[0].Stub == nil || stubbed.Services[0].Health == nil {
				t.Fatal("the frozen blueprint was changed")
			}
		})
	}
}
