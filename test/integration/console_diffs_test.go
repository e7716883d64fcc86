package integration

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/diffpublish"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// consoleMarkup is the overlay's answer for a user's name in the diffs the
// console shows: markup, which the page must show as text.
const consoleMarkup = "<img src=x onerror=window.__pwned=2>"

// consoleDiffWriter stands in, for TestConsole, for the mirroring front of
// an overlay: once the page has turned shadow traffic on for it, it
// publishes what a front's diff engine found, through the fronts' one way
// in (diffpublish.Publish). The findings are a real diff.Engine's, fed
// with answers made up here: on GET /users/{id} the overlay renames
// every user (a Difference) and every instance answers its own request id
// and Date (noise); on GET /orders/{id} the overlay fails once in twenty
// (an error too rare to be a Difference).
type consoleDiffWriter struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	seen   *staxv1.ShadowSpec // the settings the page stored, as the writer found them
	err    error
}

func startConsoleDiffWriter(client versioned.Interface, namespace, overlay string) *consoleDiffWriter {
	ctx, cancel := context.WithCancel(context.Background())
	w := &consoleDiffWriter{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			env, err := client.StaxV1alpha1().Environments(namespace).Get(ctx, overlay, metav1.GetOptions{})
			if err != nil || env.Spec.Shadow == nil || !env.Spec.Shadow.Enabled {
				continue // not there yet, or not shadowed yet
			}
			err = diffpublish.Publish(ctx, client, namespace, overlay, "", consoleReport(time.Now()))
			w.mu.Lock()
			w.seen, w.err = env.Spec.Shadow.DeepCopy(), err
			w.mu.Unlock()
			return
		}
	}()
	return w
}

// stop ends the writer and answers the settings it published under (nil
// if shadow was never on) and the publish's error.
func (w *consoleDiffWriter) stop() (*staxv1.ShadowSpec, error) {
	w.cancel()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen, w.err
}

func consoleReport(now time.Time) diff.Report {
	e := diff.NewEngine(diff.Options{})
	answer := func(status int, date, body string) diff.Response {
		return diff.Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}, "Date": {date}}, Body: []byte(body)}
	}
	for i := 1; i <= 20; i++ {
		at := now.Add(time.Duration(i-20) * time.Second)
		date := func(d time.Duration) string { return at.Add(d).UTC().Format(http.TimeFormat) }
		user := func(name, id string) string {
			return fmt.Sprintf(`{"id":%d,"name":%q,"requestId":"%s-%d"}`, i, name, id, i)
		}
		e.Observe(diff.Exchange{Time: at, Method: "GET", Path: fmt.Sprintf("/users/%d", i),
			Primary:   answer(200, date(0), user("ann", "p")),
			Secondary: answer(200, date(time.Second), user("ann", "s")),
			Candidate: answer(200, date(2*time.Second), user(consoleMarkup, "c"))})
		order := fmt.Sprintf(`{"id":%d,"total":"9.50"}`, i)
		candidate := answer(200, date(0), order)
		if i == 7 {
			candidate = answer(500, date(0), `{"error":"boom"}`)
		}
		e.Observe(diff.Exchange{Time: at, Method: "GET", Path: fmt.Sprintf("/orders/%d", i),
			Primary: answer(200, date(0), order), Secondary: answer(200, date(0), order), Candidate: candidate})
	}
	return e.Report()
}
