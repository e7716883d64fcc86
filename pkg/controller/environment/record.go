package environment

import (
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runsegment"
)

// recordFor is the history entry of an environment being deleted at now.
// Its usage comes from the environment's plan, where defaults are applied
// and quantities parsed once.
func recordFor(env *staxv1.Environment, now time.Time) *staxv1.EnvironmentRecord {
	running := runningSeconds(env, now)
	hours := float64(running) / 3600
	var cpu, mem, replicas float64
	for _, s := range planFor(env).Services {
		n := float64(s.Replicas)
		replicas += n
		if q, ok := s.Requests["cpu"]; ok {
			cpu += n * q.AsApproximateFloat64()
		}
		if q, ok := s.Requests["memory"]; ok {
			mem += n * q.AsApproximateFloat64() / (1 << 30)
		}
	}
	return &staxv1.EnvironmentRecord{
		ObjectMeta: metav1.ObjectMeta{
			Name:      RecordName(env),
			Namespace: env.Namespace,
			Labels:    recordLabels(env),
		},
		Environment:    env.Name,
		EnvironmentUID: string(env.UID),
		CreatedBy:      env.Annotations[staxv1.AnnotationCreatedBy],
		DisplayName:    env.Spec.DisplayName,
		Blueprint:      *env.Spec.Blueprint.DeepCopy(),
		CreatedAt:      env.CreationTimestamp,
		DeletedAt:      metav1.NewTime(now),
		LastStoppedAt:  env.Status.StoppedAt,
		RunningSeconds: running,
		Usage: staxv1.ResourceUsage{
			CPUCoreHours:   decimal(cpu * hours),
			MemoryGiBHours: decimal(mem * hours),
			ReplicaHours:   decimal(replicas * hours),
		},
		Owner:      runsegment.Owner(env.Labels, env.Annotations),
		Baseline:   baselineOf(env),
		Segments:   runsegment.Close(env.Status.Segments, now),
		DailyUsage: env.Status.DailyUsage,
	}
}

// RecordName is unique per environment incarnation: a later environment of
// the same name gets its own record.
func RecordName(env *staxv1.Environment) string {
	uid := string(env.UID)
	if len(uid) > 8 {
		uid = uid[:8]
	}
	return env.Name + "-" + uid
}

func runningSeconds(env *staxv1.Environment, now time.Time) int64 {
	total := env.Status.RunningSeconds
	if env.Status.StartedAt != nil {
		total += int64(now.Sub(env.Status.StartedAt.Time).Seconds())
	}
	return total
}

func decimal(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }
