package organization

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/registry/registrytest"
	baselinestore "github.com/microstax/stax/pkg/registry/stax/baseline"
	environmentstore "github.com/microstax/stax/pkg/registry/stax/environment"
	recordstore "github.com/microstax/stax/pkg/registry/stax/environmentrecord"
)

// usageOf builds the stores on the test etcd with n records of the last 90
// days, each with 4 segments of 2 services and 10 folded days.
func usageOf(b *testing.B, n int) (*UsageREST, context.Context) {
	opts := registrytest.RESTOptions(b)
	orgs, err := NewREST(registrytest.Scheme, opts)
	if err != nil {
		b.Fatal(err)
	}
	envs, err := environmentstore.NewStorage(registrytest.Scheme, opts, nil, nil, validation.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	records, err := recordstore.NewREST(registrytest.Scheme, opts)
	if err != nil {
		b.Fatal(err)
	}
	baselines, err := baselinestore.NewStorage(registrytest.Scheme, opts, envs.Environment)
	if err != nil {
		b.Fatal(err)
	}
	ctx := registrytest.Context("", "admin")
	if _, err := orgs.Create(ctx, &stax.Organization{ObjectMeta: metav1.ObjectMeta{Name: "acme"}, Spec: stax.OrganizationSpec{Tier: stax.TierStandard}},
		rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	nsCtx := registrytest.Context("acme", "admin")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				if _, err := records.Create(nsCtx, benchRecord(i, now), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	if list, err := records.List(nsCtx, &metainternalversion.ListOptions{}); err != nil || len(list.(*stax.EnvironmentRecordList).Items) != n {
		b.Fatalf("stored records: %v", err)
	}
	return NewUsageREST(orgs, envs.Environment, records, baselines.Baseline), ctx
}

func benchRecord(i int, now time.Time) *stax.EnvironmentRecord {
	deleted := now.Add(-time.Duration(i%90) * 24 * time.Hour)
	r := &stax.EnvironmentRecord{
		ObjectMeta:  metav1.ObjectMeta{Name: fmt.Sprintf("env-%05d", i), Namespace: "acme", Labels: map[string]string{"team": fmt.Sprint("t", i%7)}},
		Environment: fmt.Sprintf("env-%05d", i), EnvironmentUID: string(types.UID(fmt.Sprint("uid-", i))), CreatedBy: fmt.Sprint("user", i%13),
		CreatedAt: metav1.NewTime(deleted.Add(-15 * 24 * time.Hour)), DeletedAt: metav1.NewTime(deleted),
	}
	for s := 0; s < 4; s++ {
		start := metav1.NewTime(deleted.Add(-time.Duration(4-s) * 6 * time.Hour))
		end := metav1.NewTime(start.Add(3 * time.Hour))
		r.Segments = append(r.Segments, stax.RunSegment{Start: start, End: &end, Services: []stax.ServiceRequests{
			{Name: "api", Replicas: 2, CPU: qty("500m"), Memory: qty("512Mi")}, {Name: "db", Replicas: 1, CPU: qty("1"), Memory: qty("2Gi")}}})
	}
	for d := 0; d < 10; d++ {
		r.DailyUsage = append(r.DailyUsage, stax.DailyUsage{Date: deleted.AddDate(0, 0, -14+d).UTC().Format("2006-01-02"), Services: []stax.ServiceUsage{
			{Name: "api", Usage: stax.ResourceUsage{CPUCoreHours: "4.5", MemoryGiBHours: "4.5", ReplicaHours: "9"}},
			{Name: "db", Usage: stax.ResourceUsage{CPUCoreHours: "3", MemoryGiBHours: "6", ReplicaHours: "3"}}}})
	}
	return r
}

// BenchmarkUsage is GET organizations/acme/usage (90 days, by label, in
// daily steps) on the stores, its records listed from etcd ("get"), and the
// arithmetic alone on the records already listed, at 1,000 and 10,000
// records.
func BenchmarkUsage(b *testing.B) {
	opts := &stax.OrganizationUsageOptions{Window: "90d", Aggregate: "label:team", Step: "1d"}
	for _, n := range []int{1000, 10000} {
		r, ctx := usageOf(b, n)
		b.Run(fmt.Sprintf("get/records=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				obj, err := r.Get(ctx, "acme", opts)
				if err != nil {
					b.Fatal(err)
				}
				if u := obj.(*stax.OrganizationUsage); len(u.Groups) != 7 || u.Forecast.Trend == nil {
					b.Fatalf("answer %+v", u.Groups)
				}
			}
		})
		list, err := r.records.List(registrytest.Context("acme", "admin"), &metainternalversion.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		org, _ := r.orgs.Get(ctx, "acme", &metav1.GetOptions{})
		in := usageInput{org: org.(*stax.Organization), records: list.(*stax.EnvironmentRecordList).Items, now: time.Now()}
		if errs := parseUsageOptions(opts, stax.DefaultRecordRetention, &in); len(errs) > 0 {
			b.Fatal(errs)
		}
		b.Run(fmt.Sprintf("arithmetic/records=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if u := computeUsage(in); len(u.Groups) != 7 {
					b.Fatalf("answer %+v", u.Groups)
				}
			}
		})
	}
}
