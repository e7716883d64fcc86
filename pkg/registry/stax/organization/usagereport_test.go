package organization

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/cost"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mt(s string) *metav1.Time { t := metav1.NewTime(at(s)); return &t }

func qty(s string) *resource.Quantity { q := resource.MustParse(s); return &q }

func seg(start, end string, reqs ...stax.ServiceRequests) stax.RunSegment {
	s := stax.RunSegment{Start: *mt(start), Services: reqs}
	if end != "" {
		s.End = mt(end)
	}
	return s
}

// oneCore is one replica of one core.
func oneCore(name string) stax.ServiceRequests {
	return stax.ServiceRequests{Name: name, Replicas: 1, CPU: qty("1")}
}

// fixture: prices of 1 per core-hour, 0.5 per GiB-hour and 0.25 per
// replica-hour; now is 2026-11-20 12:00 UTC. Hand-computed costs:
//
//	web (record)  api 1 core 10:00-12:00 on the 10th: 2 + 0.5       = 2.5
//	old (record)  August: outside the 30-day window                 = 0
//	batch (live)  db 2 × (500m, 1Gi) from 08:00, running: 4 h × 2.5 = 10
//	ttl (live)    api 1 core from 11:00, expires 14:00: 1 h × 1.25  = 1.25
//	feature (live overlay of base) api 1 core 09:00-10:00, stopped  = 1.25
func fixture() usageInput {
	now := at("2026-11-20T12:00:00Z")
	org := &stax.Organization{ObjectMeta: metav1.ObjectMeta{Name: "acme"}, Spec: stax.OrganizationSpec{
		Pricing: &stax.PriceSheet{VCPUHour: "1", MemoryGiBHour: "0.5", ReplicaHour: "0.25", Currency: "EUR"}}}
	records := []stax.EnvironmentRecord{
		{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Labels: map[string]string{"team": "core", stax.LabelRecordEnvironment: "web"}},
			Environment: "web", EnvironmentUID: "uid-web", CreatedBy: "ada",
			CreatedAt: *mt("2026-11-10T00:00:00Z"), DeletedAt: *mt("2026-11-10T12:00:00Z"),
			Segments: []stax.RunSegment{seg("2026-11-10T10:00:00Z", "2026-11-10T12:00:00Z", oneCore("api"))}},
		{ObjectMeta: metav1.ObjectMeta{Name: "old-1"}, Environment: "old", EnvironmentUID: "uid-old", CreatedBy: "ada",
			CreatedAt: *mt("2026-08-01T00:00:00Z"), DeletedAt: *mt("2026-08-02T00:00:00Z"),
			Segments: []stax.RunSegment{seg("2026-08-01T00:00:00Z", "2026-08-02T00:00:00Z", oneCore("api"))}},
	}
	live := func(name, uid, creator, created string, labels map[string]string) stax.Environment {
		return stax.Environment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme", UID: types.UID(uid), Labels: labels,
			Annotations: map[string]string{stax.AnnotationCreatedBy: creator}, CreationTimestamp: *mt(created)}}
	}
	batch := live("batch", "uid-batch", "bob", "2026-11-20T08:00:00Z", map[string]string{"team": "data"})
	batch.Status.StartedAt = mt("2026-11-20T08:00:00Z")
	batch.Status.Segments = []stax.RunSegment{seg("2026-11-20T08:00:00Z", "", stax.ServiceRequests{Name: "db", Replicas: 2, CPU: qty("500m"), Memory: qty("1Gi")})}
	ttl := live("ttl", "uid-ttl", "cy", "2026-11-20T11:00:00Z", nil)
	ttl.Spec.AutoShutdown = &stax.AutoShutdown{TimeToLive: &metav1.Duration{Duration: 3 * time.Hour}}
	ttl.Status.StartedAt, ttl.Status.ExpirationTime = mt("2026-11-20T11:00:00Z"), mt("2026-11-20T14:00:00Z")
	ttl.Status.Segments = []stax.RunSegment{seg("2026-11-20T11:00:00Z", "", oneCore("api"))}
	feature := live("feature", "uid-feature", "ada", "2026-11-20T09:00:00Z", nil)
	feature.Spec.BaselineRef = &stax.BaselineReference{Name: "base"}
	feature.Spec.Blueprint.Services = []stax.ServiceSpec{{Name: "api"}}
	feature.Status.Segments = []stax.RunSegment{seg("2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z", oneCore("api"))}
	// web is being deleted: its record counts, not it.
	gone := live("web", "uid-web", "ada", "2026-11-10T00:00:00Z", nil)
	gone.Status.Segments = []stax.RunSegment{seg("2026-11-10T10:00:00Z", "", oneCore("api"))}
	base := &stax.Baseline{ObjectMeta: metav1.ObjectMeta{Name: "base"}, Status: stax.BaselineStatus{Blueprint: stax.Blueprint{Services: []stax.ServiceSpec{
		{Name: "api", Replicas: ptr.To[int32](1)},
		{Name: "db", Replicas: ptr.To[int32](1), Resources: stax.ResourceRequirements{Requests: stax.ResourceList{"cpu": intstr.FromInt32(1)}}},
	}}}}
	g, _ := cost.GroupBy(cost.ByEnvironment)
	return usageInput{
		org: org, records: records, envs: []stax.Environment{batch, ttl, feature, gone},
		baselines: map[string]*stax.Baseline{"base": base}, now: now, window: 30 * 24 * time.Hour, group: g,
		lastUsed: func(ns, name string) time.Time {
			if name == "ttl" {
				return at("2026-11-20T11:30:00Z")
			}
			return time.Time{}
		},
	}
}

func TestUsageOnFixedRecords(t *testing.T) {
	for _, c := range []struct {
		by   string
		want string // key=cost, most costly first
	}{
		{"environment", "batch=10.000000 web=2.500000 feature=1.250000 ttl=1.250000"},
		{"service", "batch/db=10.000000 web/api=2.500000 feature/api=1.250000 ttl/api=1.250000"},
		{"creator", "bob=10.000000 ada=3.750000 cy=1.250000"},
		{"label:team", "data=10.000000 =2.500000 core=2.500000"},
	} {
		in := fixture()
		in.group, _ = cost.GroupBy(c.by)
		u := computeUsage(in)
		var got []string
		for _, g := range u.Groups {
			got = append(got, g.Key+"="+g.Cost)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("by %s: %s\n want %s", c.by, strings.Join(got, " "), c.want)
		}
		if u.Total.Cost != "15.000000" || u.Aggregate != c.by {
			t.Errorf("by %s: total %s, aggregate %q", c.by, u.Total.Cost, u.Aggregate)
		}
	}
	u := computeUsage(fixture())
	// Core-hours: web 2, batch 4, ttl 1, feature 1; GiB-hours: batch 8.
	if tu := u.Total.Usage; tu.CPUCoreHours != "8.000000" || tu.MemoryGiBHours != "8.000000" || tu.ReplicaHours != "12.000000" {
		t.Errorf("total usage %+v", tu)
	}
	if u.Pricing.Currency != "EUR" || u.Pricing.VCPUHour != "1" {
		t.Errorf("pricing %+v", u.Pricing)
	}
	// Run rate: batch 2.5/h for 252 h to the month's end (720 h in 30
	// days); ttl 1.25/h until 14:00.
	if f := u.Forecast.RunRate; f.RestOfMonth.Expected != "632.500000" || f.Next30Days.Expected != "1802.500000" {
		t.Errorf("run rate %+v", f)
	}
	// The history runs from web's day, the 10th, to yesterday.
	if tr := u.Forecast.Trend; tr == nil || tr.HistoryDays != 10 {
		t.Errorf("trend %+v", u.Forecast)
	}
	// Without the record only today ran: no whole day of history.
	noHistory := fixture()
	noHistory.records, noHistory.envs = nil, noHistory.envs[:3] // and not the deleted web
	if f := computeUsage(noHistory).Forecast; f.Trend != nil || !strings.Contains(f.Message, "at least 4 days of history, there are 0") {
		t.Errorf("trend from too little history: %+v", f)
	}
	// Stops: web ran 2 of its 12 hours (15 − 2.5), feature 1 of 3 (3.75 −
	// 1.25). Overlays: feature shares db (1 core, 1 replica) for its hour.
	if s := u.Savings; s.Stops != "15.000000" || s.Overlays != "1.250000" {
		t.Errorf("savings %+v", s)
	}
	// batch is unused since its start 4 h ago; ttl was used 30 min ago.
	if r := u.Savings.Recommendations; len(r) != 1 || r[0].Environment != "batch" || r[0].Reason != ReasonIdleWithoutAutoShutdown || r[0].Next30Days != "1800.000000" {
		t.Errorf("recommendations %+v", r)
	}
	// Used 10 min ago through another replica (status.lastUsedTime): no
	// recommendation for batch either.
	usedElsewhere := fixture()
	usedElsewhere.envs[0].Status.LastUsedTime = &metav1.Time{Time: usedElsewhere.now.Add(-10 * time.Minute)}
	if r := computeUsage(usedElsewhere).Savings.Recommendations; len(r) != 0 {
		t.Errorf("recommendations despite use through another replica: %+v", r)
	}

	// Hourly steps over the last 4 hours: 08-09 batch; 09-10 batch +
	// feature; 10-11 batch; 11-12 batch + ttl.
	in := fixture()
	in.window, in.step = 4*time.Hour, time.Hour
	var steps []string
	for _, p := range computeUsage(in).Series {
		steps = append(steps, p.Start.UTC().Format("15")+"="+p.Cost)
	}
	if got := strings.Join(steps, " "); got != "08=2.500000 09=3.750000 10=2.500000 11=3.750000" {
		t.Errorf("series %s", got)
	}
}

// TestUsageTrendFromDailyHistory: three weeks of folded days costing
// 10, 11, 12... give a trend forecast with a back-test.
func TestUsageTrendFromDailyHistory(t *testing.T) {
	in := fixture()
	var days []stax.DailyUsage
	for i := 0; i < 21; i++ {
		d := at("2026-10-30T00:00:00Z").AddDate(0, 0, i)
		days = append(days, stax.DailyUsage{Date: d.Format("2006-01-02"), Services: []stax.ServiceUsage{{Name: "api",
			Usage: stax.ResourceUsage{CPUCoreHours: fmt.Sprint(10 + i)}}}})
	}
	in.records = append(in.records, stax.EnvironmentRecord{ObjectMeta: metav1.ObjectMeta{Name: "long-1"}, Environment: "long",
		EnvironmentUID: "uid-long", CreatedAt: *mt("2026-10-30T00:00:00Z"), DeletedAt: *mt("2026-11-20T00:00:00Z"), DailyUsage: days})
	in.window = 60 * 24 * time.Hour
	u := computeUsage(in)
	tr := u.Forecast.Trend
	if tr == nil {
		t.Fatalf("no trend: %s", u.Forecast.Message)
	}
	// From the 30th of October to yesterday; the 10th's record adds to it.
	if tr.HistoryDays != 21 || tr.BackTest == nil || tr.BackTest.Days != 7 || !strings.HasPrefix(tr.Model, "holt-linear") {
		t.Errorf("trend %+v", tr)
	}
	if tr.Next30Days.Low > tr.Next30Days.Expected || tr.Next30Days.Expected > tr.Next30Days.High {
		t.Errorf("interval %+v", tr.Next30Days)
	}
}

// The trend is fitted on the last 90 days whatever the window: a window of
// an hour must not lose the records deleted before it.
func TestUsageTrendIgnoresWindow(t *testing.T) {
	in := fixture()
	for i := 0; i < 14; i++ {
		d := at("2026-11-05T00:00:00Z").AddDate(0, 0, i)
		in.records = append(in.records, stax.EnvironmentRecord{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("day-%d", i)},
			Environment: "day", EnvironmentUID: fmt.Sprintf("uid-day-%d", i), CreatedAt: *mt(d.Format(time.RFC3339)),
			DeletedAt: *mt(d.Add(12 * time.Hour).Format(time.RFC3339)),
			Segments:  []stax.RunSegment{seg(d.Format(time.RFC3339), d.Add(time.Duration(2+i%3)*time.Hour).Format(time.RFC3339), oneCore("api"))}})
	}
	in.window = 30 * 24 * time.Hour
	month := computeUsage(in)
	in.window = time.Hour
	hour := computeUsage(in)
	if month.Forecast.Trend == nil || hour.Forecast.Trend == nil {
		t.Fatalf("no trend: 30d %q, 1h %q", month.Forecast.Message, hour.Forecast.Message)
	}
	if m, h := month.Forecast.Trend, hour.Forecast.Trend; m.ForecastFigures != h.ForecastFigures ||
		m.HistoryDays != h.HistoryDays || m.BackTest == nil || h.BackTest == nil || *m.BackTest != *h.BackTest {
		t.Errorf("trend over 30d %+v, over 1h %+v", *m, *h)
	}
	// The window still bounds what is counted: the day records are older.
	for _, g := range hour.Groups {
		if g.Key == "day" {
			t.Errorf("1h window counts an environment of the last weeks: %+v", g)
		}
	}
}

func TestUsageOptions(t *testing.T) {
	retention := stax.DefaultRecordRetention
	for _, c := range []struct {
		opts stax.OrganizationUsageOptions
		path string
	}{
		{stax.OrganizationUsageOptions{Window: "7x"}, "window"},
		{stax.OrganizationUsageOptions{Window: "401d"}, "window"},
		{stax.OrganizationUsageOptions{Aggregate: "team"}, "aggregate"},
		{stax.OrganizationUsageOptions{Aggregate: "label:"}, "aggregate"},
		{stax.OrganizationUsageOptions{Step: "1m"}, "step"},
		{stax.OrganizationUsageOptions{Step: "-1h"}, "step"},
	} {
		var in usageInput
		errs := parseUsageOptions(&c.opts, retention, &in)
		if len(errs) != 1 || errs[0].Field != c.path {
			t.Errorf("%+v: %v, want an error at %s", c.opts, errs, c.path)
		}
	}
	var in usageInput
	if errs := parseUsageOptions(&stax.OrganizationUsageOptions{Window: "7d", Aggregate: "label:team", Step: "1h"}, retention, &in); len(errs) != 0 ||
		in.window != 7*24*time.Hour || in.step != time.Hour || in.group.Name != "label:team" {
		t.Errorf("valid options: %v %+v", errs, in)
	}
	if errs := parseUsageOptions(&stax.OrganizationUsageOptions{}, retention, &in); len(errs) != 0 || in.window != DefaultUsageWindow || in.group.Name != "environment" {
		t.Errorf("defaults: %v %+v", errs, in)
	}
}
