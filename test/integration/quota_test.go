package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// quotaEnvironment has one service of replicas, each requesting cpu and memory.
func quotaEnvironment(name string, replicas int32, cpu, memory string) *staxv1.Environment {
	return &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{{
			Name: "web", Image: "nginx:1.27", Replicas: ptr.To(replicas),
			Resources: staxv1.ResourceRequirements{Requests: staxv1.ResourceList{
				"cpu": intstr.FromString(cpu), "memory": intstr.FromString(memory)}},
		}}}},
	}
}

// TestOrganizationQuota: through the API, with a token of the organization,
// writes past spec.quota are refused with 403 "exceeded quota" naming the
// quota and the requested, used and limited amounts; writes within it pass,
// and an organization without a quota is unlimited.
func TestOrganizationQuota(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	platform := s.Client.StaxV1alpha1()
	for _, org := range []*staxv1.Organization{
		{ObjectMeta: metav1.ObjectMeta{Name: "acme"}, Spec: staxv1.OrganizationSpec{Quota: &staxv1.OrganizationQuota{
			Environments: ptr.To[int32](2), Replicas: ptr.To[int32](4),
			CPU: ptr.To(resource.MustParse("1")), Memory: ptr.To(resource.MustParse("2Gi"))}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "globex"}},
	} {
		if _, err := platform.Organizations().Create(ctx, org, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	acme := tokenClient(t, s, mintWithCLI(t, s, "acme", "alice")).StaxV1alpha1().Environments("acme")
	refused := func(err error, want string) {
		t.Helper()
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "exceeded quota: acme, ") || !strings.Contains(err.Error(), want) {
			t.Errorf("want 403 exceeded quota with %q, got %v", want, err)
		}
	}

	// Within quota: 3 replicas, 750m, 1536Mi.
	if _, err := acme.Create(ctx, quotaEnvironment("one", 3, "250m", "512Mi"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("within quota: %v", err)
	}
	_, err := acme.Create(ctx, quotaEnvironment("big", 2, "10m", "1Mi"), metav1.CreateOptions{})
	refused(err, "requested: replicas=2, used: replicas=3, limited: replicas=4")
	_, err = acme.Create(ctx, quotaEnvironment("hungry", 1, "300m", "1Mi"), metav1.CreateOptions{})
	refused(err, "requested: cpu=300m, used: cpu=750m, limited: cpu=1")
	_, err = acme.Create(ctx, quotaEnvironment("greedy", 1, "10m", "1Gi"), metav1.CreateOptions{})
	refused(err, "requested: memory=1Gi, used: memory=1536Mi, limited: memory=2Gi")
	if _, err := acme.Create(ctx, quotaEnvironment("two", 1, "250m", "512Mi"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("last one within quota: %v", err)
	}
	// The N+1th environment, though it asks for nothing more.
	_, err = acme.Create(ctx, quotaEnvironment("three", 0, "0", "0"), metav1.CreateOptions{})
	refused(err, "requested: environments=1, used: environments=2, limited: environments=2")

	// An update that raises replicas past the quota, by patch and by apply's path alike.
	_, err = acme.Patch(ctx, "one", types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/blueprint/services/0/replicas","value":4}]`), metav1.PatchOptions{})
	refused(err, "requested: replicas=4,cpu=1,memory=2Gi, used: replicas=1,cpu=250m,memory=512Mi, limited: replicas=4,")
	// One that lowers them, or changes nothing the quota counts, passes.
	if _, err := acme.Patch(ctx, "one", types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/blueprint/services/0/replicas","value":2}]`), metav1.PatchOptions{}); err != nil {
		t.Errorf("lowering replicas: %v", err)
	}
	if _, err := acme.Patch(ctx, "one", types.MergePatchType, []byte(`{"spec":{"displayName":"One"}}`), metav1.PatchOptions{}); err != nil {
		t.Errorf("renaming within quota: %v", err)
	}
	// Stopped environments still count; resume is never refused.
	if err := platform.RESTClient().Post().AbsPath("/apis/stax.microstax.ai/v1alpha1/namespaces/acme/environments/two/stop").Body([]byte("{}")).Do(ctx).Error(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	_, err = acme.Create(ctx, quotaEnvironment("three", 1, "1m", "1Mi"), metav1.CreateOptions{})
	refused(err, "environments=2")

	// Without a quota, an organization is unlimited.
	globex := tokenClient(t, s, mintWithCLI(t, s, "globex", "gina")).StaxV1alpha1().Environments("globex")
	for _, name := range []string{"a", "b", "c"} {
		if _, err := globex.Create(ctx, quotaEnvironment(name, 50, "8", "64Gi"), metav1.CreateOptions{}); err != nil {
			t.Errorf("organization without quota: %v", err)
		}
	}
}

// TestOrganizationQuotaConcurrentCreates: creates racing through one server
// never pass the quota together (the organization's lock spans check and
// write).
func TestOrganizationQuotaConcurrentCreates(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "initech"},
		Spec: staxv1.OrganizationSpec{Quota: &staxv1.OrganizationQuota{Environments: ptr.To[int32](3)}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	envs := tokenClient(t, s, mintWithCLI(t, s, "initech", "peter")).StaxV1alpha1().Environments("initech")
	var wg sync.WaitGroup
	var created, refused atomic.Int32
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := envs.Create(ctx, quotaEnvironment(fmt.Sprintf("e%d", i), 1, "1m", "1Mi"), metav1.CreateOptions{})
			switch {
			case err == nil:
				created.Add(1)
			case apierrors.IsForbidden(err):
				refused.Add(1)
			default:
				t.Errorf("create e%d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if created.Load() != 3 || refused.Load() != 7 {
		t.Fatalf("10 racing creates under a quota of 3: %d created, %d refused", created.Load(), refused.Load())
	}
}

// TestOrganizationQuotaMetAtOnce: a quota set through a server binds the
// next write of an Environment through it, though the server's informer
// (which spares organizations without a quota their read of storage) may
// not have seen it yet: on create of the organization and on update alike.
func TestOrganizationQuotaMetAtOnce(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	platform := s.Client.StaxV1alpha1()
	none := &staxv1.OrganizationQuota{Environments: ptr.To[int32](0)}
	for i := 0; i < 20; i++ {
		created := fmt.Sprintf("created-%d", i)
		if _, err := platform.Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: created},
			Spec: staxv1.OrganizationSpec{Quota: none}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := platform.Environments(created).Create(ctx, quotaEnvironment("e", 1, "1m", "1Mi"), metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("%s: create right after the organization was created with a quota of 0: want 403, got %v", created, err)
		}

		updated := fmt.Sprintf("updated-%d", i)
		org, err := platform.Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: updated}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := platform.Environments(updated).Create(ctx, quotaEnvironment("before", 1, "1m", "1Mi"), metav1.CreateOptions{}); err != nil {
			t.Fatalf("%s: without a quota: %v", updated, err)
		}
		org.Spec.Quota = &staxv1.OrganizationQuota{Environments: ptr.To[int32](1)}
		if _, err := platform.Organizations().Update(ctx, org, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := platform.Environments(updated).Create(ctx, quotaEnvironment("after", 1, "1m", "1Mi"), metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("%s: create right after a quota of 1 was set: want 403, got %v", updated, err)
		}
	}
}
