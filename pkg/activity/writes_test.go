package activity

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWriteUsedWritesRequestsUseOnce(t *testing.T) {
	now := time.Unix(1_800_000_000, 700_000_000)
	tr := NewTracker("stax.microstax.ai")
	tr.now = func() time.Time { return now }
	type write struct {
		key string
		at  time.Time
	}
	var writes []write
	var fail error
	record := func(_ context.Context, ns, name string, at time.Time) error {
		if fail != nil {
			return fail
		}
		writes = append(writes, write{ns + "/" + name, at})
		return nil
	}
	tr.Touch("acme", "controller-only") // the controller's notion of use is not written
	tr.use("acme", "shop")
	tr.use("acme", "shop")
	if err := tr.WriteUsed(context.Background(), record); err != nil {
		t.Fatal(err)
	}
	if len(writes) != 1 || writes[0].key != "acme/shop" || !writes[0].at.Equal(now.Truncate(time.Second)) {
		t.Fatalf("writes = %+v", writes)
	}
	// Nothing used since: nothing written.
	if err := tr.WriteUsed(context.Background(), record); err != nil || len(writes) != 1 {
		t.Fatalf("second write: %v, %+v", err, writes)
	}
	// A failed write is tried again at the next.
	tr.use("acme", "shop")
	fail = errors.New("etcd unavailable")
	if err := tr.WriteUsed(context.Background(), record); err == nil {
		t.Fatal("the failure was not reported")
	}
	fail = nil
	if err := tr.WriteUsed(context.Background(), record); err != nil || len(writes) != 2 {
		t.Fatalf("retry: %v, %+v", err, writes)
	}
	// A forgotten environment is not written.
	tr.use("acme", "gone")
	tr.Forget("acme", "gone")
	if err := tr.WriteUsed(context.Background(), record); err != nil || len(writes) != 2 {
		t.Fatalf("forgotten: %v, %+v", err, writes)
	}
}
