package quota

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/microstax/stax/pkg/apis/stax"
)

// held is an informer's copy of an organization.
type held struct {
	quota bool
	rv    string
}

// informerView is an informer's contents, by organization.
type informerView map[string]held

func (v informerView) observed(org string) (bool, string, bool) {
	o, ok := v[org]
	return o.quota, o.rv, ok
}

func organization(name, rv string, limited bool) *stax.Organization {
	o := &stax.Organization{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: rv}}
	if limited {
		o.Spec.Quota = &stax.OrganizationQuota{Environments: ptr.To[int32](1)}
	}
	return o
}

func TestIndexLimited(t *testing.T) {
	view := informerView{}
	synced := false
	x := NewIndex(view.observed, func() bool { return synced })
	want := func(step, org string, limited, known bool) {
		t.Helper()
		if l, k := x.Limited(org); l != limited || k != known {
			t.Errorf("%s: Limited(%q) = %v, %v; want %v, %v", step, org, l, k, limited, known)
		}
	}

	view["acme"] = held{true, "5"}
	want("before the informer has synced, storage decides", "acme", false, false)
	want("before the informer has synced, storage decides", "nobody", false, false)

	synced = true
	want("informer holds a quota", "acme", true, true)
	want("informer holds no such organization", "nobody", false, true)

	// Created here with a quota, not yet in the informer.
	x.AfterCreate(organization("globex", "7", true), &metav1.CreateOptions{})
	want("written here, informer has not seen it", "globex", true, true)
	view["globex"] = held{false, "6"} // an older copy without a quota
	want("written here, informer holds an older copy", "globex", true, true)
	view["globex"] = held{true, "7"}
	want("informer caught up", "globex", true, true)
	view["globex"] = held{false, "9"} // the quota removed later, through another replica
	want("the mark is gone once the informer reached it", "globex", false, true)

	// A quota added by update, while the informer still holds none.
	view["initech"] = held{false, "10"}
	want("no quota yet", "initech", false, true)
	x.AfterUpdate(organization("initech", "11", true), &metav1.UpdateOptions{})
	want("quota added here, informer stale", "initech", true, true)

	// Writes that set no quota, and dry runs, leave no mark.
	x.AfterCreate(organization("hooli", "12", false), &metav1.CreateOptions{})
	x.AfterCreate(organization("pied", "13", true), &metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	x.AfterUpdate(organization("aviato", "14", true), &metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
	for _, org := range []string{"hooli", "pied", "aviato"} {
		want("no mark", org, false, true)
	}

	// An organization deleted before the informer showed it: the delete
	// event settles the mark; an older event does not.
	x.AfterCreate(organization("umbrella", "20", true), &metav1.CreateOptions{})
	x.Settle("umbrella", "19")
	want("settled by an older event", "umbrella", true, true)
	x.Settle("umbrella", "21")
	want("settled by the delete", "umbrella", false, true)
	if len(x.pending) != 1 { // initech's only
		t.Errorf("pending marks left: %v", x.pending)
	}
}
