package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	clocktesting "k8s.io/utils/clock/testing"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
)

// getUsage asks GET organizations/{ns}/usage with the given query.
func getUsage(t *testing.T, s *testServer, params map[string]string) (*staxv1.OrganizationUsage, error) {
	t.Helper()
	req := s.Client.StaxV1alpha1().RESTClient().Get().Resource("organizations").Name(ns).SubResource("usage")
	for k, v := range params {
		req = req.Param(k, v)
	}
	raw, err := req.Do(context.Background()).Raw()
	if err != nil {
		return nil, err
	}
	var u staxv1.OrganizationUsage
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return &u, nil
}

// TestUsageFollowsRunStopResume: on the local runtime under an injected
// clock, an environment of one replica requesting one core and 1 GiB runs
// 90 minutes, stops for 2 hours, resumes for 45 minutes: its usage is
// exactly 2.25 core-hours, GiB-hours and replica-hours, live; deleted 15
// minutes later, its record holds 2.5. A retention shorter than the
// record's age deletes it.
func TestUsageFollowsRunStopResume(t *testing.T) {
	t0 := time.Now().UTC().Truncate(time.Second)
	clk := clocktesting.NewFakeClock(t0)
	s := startInProcess(t, func(o *server.Options) { o.Clock = clk })
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := demo(t, "api", 1, nil)
	svc.Resources.Requests = staxv1.ResourceList{"cpu": intstr.FromInt32(1), "memory": intstr.FromString("1Gi")}
	envs := s.Client.StaxV1alpha1().Environments(ns)
	env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "metered", Namespace: ns, Labels: map[string]string{"team": "core"}},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{svc}}}}
	if _, err := envs.Create(ctx, env, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "metered", "Ready", phaseIs(staxv1.EnvironmentReady))
	pause := func(paused bool, phase staxv1.EnvironmentPhase) {
		t.Helper()
		patch := `{"spec":{"paused":false}}`
		if paused {
			patch = `{"spec":{"paused":true}}`
		}
		if _, err := envs.Patch(ctx, "metered", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, s, "metered", string(phase), phaseIs(phase))
	}
	clk.Step(90 * time.Minute)
	pause(true, staxv1.EnvironmentStopped)
	clk.Step(2 * time.Hour)
	pause(false, staxv1.EnvironmentReady)
	clk.Step(45 * time.Minute)

	u, err := getUsage(t, s, map[string]string{"window": "1d", "aggregate": "label:team"})
	if err != nil {
		t.Fatal(err)
	}
	if tu := u.Total.Usage; tu.CPUCoreHours != "2.250000" || tu.MemoryGiBHours != "2.250000" || tu.ReplicaHours != "2.250000" {
		t.Errorf("live usage %+v, want 2.25 hours of each", tu)
	}
	// OpenCost's default prices: 2.25 × (0.031611 + 0.004237).
	if u.Total.Cost != "0.080658" || u.Pricing.Currency != "USD" || len(u.Groups) != 1 || u.Groups[0].Key != "core" {
		t.Errorf("cost %s %s, groups %+v", u.Total.Cost, u.Pricing.Currency, u.Groups)
	}
	if !u.End.Time.Equal(t0.Add(255 * time.Minute)) {
		t.Errorf("answered at %v, want the injected clock's %v", u.End, t0.Add(255*time.Minute))
	}
	// Still running, never used since its resume 45 minutes ago: no
	// recommendation yet (idle from an hour on).
	if len(u.Savings.Recommendations) != 0 {
		t.Errorf("recommendations %+v", u.Savings.Recommendations)
	}

	clk.Step(15 * time.Minute)
	if err := envs.Delete(ctx, "metered", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	records := s.Client.StaxV1alpha1().EnvironmentRecords(ns)
	var rec *staxv1.EnvironmentRecord
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := records.List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) != 1 {
			return false, nil
		}
		_, err = envs.Get(ctx, "metered", metav1.GetOptions{})
		rec = &list.Items[0]
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatalf("no record: %v", err)
	}
	if len(rec.Segments) != 2 || rec.Labels["team"] != "core" || rec.Owner == "" {
		t.Errorf("record segments %+v labels %v owner %q", rec.Segments, rec.Labels, rec.Owner)
	}
	u, err = getUsage(t, s, map[string]string{"window": "1d", "step": "1h"})
	if err != nil {
		t.Fatal(err)
	}
	if tu := u.Total.Usage; tu.CPUCoreHours != "2.500000" || len(u.Groups) != 1 || u.Groups[0].Key != "metered" || len(u.Series) != 24 {
		t.Errorf("recorded usage %+v, groups %+v, %d steps", tu, u.Groups, len(u.Series))
	}

	for _, bad := range []map[string]string{{"window": "7x"}, {"aggregate": "team"}, {"step": "1s"}} {
		_, err := getUsage(t, s, bad)
		if status, ok := err.(apierrors.APIStatus); !ok || status.Status().Code != http.StatusUnprocessableEntity {
			t.Errorf("%v: want 422, got %v", bad, err)
		}
	}

	// A day past its deletion, a retention of one day deletes the record.
	clk.Step(25 * time.Hour)
	org, err := s.Client.StaxV1alpha1().Organizations().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	org.Spec.RecordRetention = &metav1.Duration{Duration: 24 * time.Hour}
	org.Spec.Pricing = &staxv1.PriceSheet{VCPUHour: "0.05", Currency: "EUR"}
	if _, err := s.Client.StaxV1alpha1().Organizations().Update(ctx, org, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := records.List(ctx, metav1.ListOptions{})
		return err == nil && len(list.Items) == 0, nil
	}); err != nil {
		t.Fatalf("the record outlived its retention: %v", err)
	}
}
