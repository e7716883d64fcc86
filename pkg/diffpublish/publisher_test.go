package diffpublish

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// add gives p n exchanges of service whose candidate changed the name.
func add(p *Publisher, service string, n int) {
	ok := diff.Response{Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}}, Body: []byte(`{"name":"ann"}`)}
	changed := ok
	changed.Body = []byte(`{"name":"Ann"}`)
	for i := range n {
		p.Add(service, diff.Exchange{Time: t0.Add(time.Duration(i+1) * time.Second), Method: "GET", Path: "/users/7",
			Primary: ok, Secondary: ok, Candidate: changed})
	}
}

func stored(t *testing.T, c versioned.Interface) map[string]int64 {
	t.Helper()
	d, err := c.StaxV1alpha1().EnvironmentDiffs("acme").Get(context.Background(), "feature", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range d.Report.Endpoints {
		out[e.Endpoint] = e.Requests
	}
	return out
}

// Two stax-shadow processes, one per service, share the overlay's diff:
// each publishes its own endpoints, and one that restarts continues only
// its own, so the other's newer counts are not written over.
func TestPublishersOfTwoServices(t *testing.T) {
	ctx := context.Background()
	client := serverLike()
	env := overlay.DeepCopy()
	env.Spec.Shadow = &staxv1.ShadowSpec{Enabled: true, Since: &metav1.Time{Time: t0}}
	if _, err := client.StaxV1alpha1().Environments("acme").Update(ctx, env, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	api, web := NewPublisher(client, "acme", "feature", overlay.UID, diff.Options{}), NewPublisher(client, "acme", "feature", "", diff.Options{})
	add(api, "api", 6)
	add(web, "web", 3)
	api.Publish(ctx)
	web.Publish(ctx)
	if got := stored(t, client); got["api:GET /users/{id}"] != 6 || got["web:GET /users/{id}"] != 3 || len(got) != 2 {
		t.Fatalf("stored %v", got)
	}

	web = NewPublisher(client, "acme", "feature", "", diff.Options{})
	if err := web.Continue(ctx, "web"); err != nil || web.Requests() != 3 {
		t.Fatalf("web continued %d requests (%v), want its own 3", web.Requests(), err)
	}
	client.ClearActions()
	web.Publish(ctx)
	if n := len(client.Actions()); n != 0 {
		t.Errorf("nothing new since the restore, yet %d calls", n)
	}
	add(api, "api", 4)
	api.Publish(ctx)
	add(web, "web", 1)
	web.Publish(ctx)
	if got := stored(t, client); got["api:GET /users/{id}"] != 10 || got["web:GET /users/{id}"] != 4 {
		t.Errorf("after web's restart: %v, want api 10 and web 4", got)
	}

	// Another overlay's diff of the name, or a window begun later, seeds
	// nothing.
	other := NewPublisher(client, "acme", "feature", "another-uid", diff.Options{})
	if err := other.Restore(ctx, t0); err != nil || other.Requests() != 0 {
		t.Errorf("another overlay's diff restored %d (%v)", other.Requests(), err)
	}
	if err := other.Continue(ctx); err != nil || other.Requests() != 0 {
		t.Errorf("another overlay's diff continued %d (%v)", other.Requests(), err)
	}
	later := NewPublisher(client, "acme", "feature", overlay.UID, diff.Options{})
	if err := later.Restore(ctx, t0.Add(time.Hour)); err != nil || later.Requests() != 0 {
		t.Errorf("a later window restored %d (%v)", later.Requests(), err)
	}
}

// A Publisher that knew only the overlay's name binds to the overlay it
// first finds, and publishes nothing into a later one of the name.
func TestPublisherKeepsToItsOverlay(t *testing.T) {
	ctx := context.Background()
	client := serverLike()
	p := NewPublisher(client, "acme", "feature", "", diff.Options{})
	add(p, "api", 2)
	p.Publish(ctx)
	if got := stored(t, client)["api:GET /users/{id}"]; got != 2 {
		t.Fatalf("stored %d, want 2", got)
	}
	// The overlay is deleted, and another of the name made.
	if err := client.StaxV1alpha1().Environments("acme").Delete(ctx, "feature", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	next := overlay.DeepCopy()
	next.UID = "u2"
	if _, err := client.StaxV1alpha1().Environments("acme").Create(ctx, next, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	client.ClearActions()
	add(p, "api", 5)
	p.Publish(ctx)
	for _, a := range client.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("the earlier overlay's Publisher wrote: %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
}

// Run publishes each interval, and once more when its context ends.
func TestPublisherRunPublishesAtTheEnd(t *testing.T) {
	client := serverLike()
	p := NewPublisher(client, "acme", "feature", overlay.UID, diff.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx, 20*time.Millisecond); close(done) }()
	add(p, "api", 2)
	deadline := time.Now().Add(10 * time.Second)
	for stored(t, client)["api:GET /users/{id}"] != 2 {
		if time.Now().After(deadline) {
			t.Fatal("never published within the interval")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done

	// An interval longer than the test: only the last publish writes.
	p = NewPublisher(client, "acme", "feature", overlay.UID, diff.Options{})
	ctx, cancel = context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() { p.Run(ctx, time.Hour); close(done) }()
	add(p, "api", 5)
	cancel()
	<-done
	if got := stored(t, client)["api:GET /users/{id}"]; got != 5 {
		t.Errorf("after the last publish: %d requests, want 5", got)
	}
}
