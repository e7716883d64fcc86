package integration

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
	staxapply "github.com/microstax/stax/pkg/generated/applyconfiguration/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/scheme"
)

// protobufMagic starts every protobuf-encoded Kubernetes object
// (k8s.io/apimachinery/pkg/runtime/serializer/protobuf).
var protobufMagic = []byte("k8s\x00")

// protobufClient is a REST client of the group that sends and accepts
// protobuf only, so that a JSON answer cannot hide a type without it.
func protobufClient(t *testing.T, cfg *rest.Config) *rest.RESTClient {
	t.Helper()
	c := rest.CopyConfig(cfg)
	c.ContentType = runtime.ContentTypeProtobuf
	c.AcceptContentTypes = runtime.ContentTypeProtobuf
	c.GroupVersion = &staxv1.SchemeGroupVersion
	c.APIPath = "/apis"
	c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	rc, err := rest.RESTClientFor(c)
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// TestProtobuf: the group's types travel as protobuf when a client asks
// (create, get, list, watch, subresources, discovery), while etcd keeps
// storing JSON.
func TestProtobuf(t *testing.T) {
	etcdPort := freePort(t)
	s := startInProcess(t, storeOnly, func(o *server.Options) { o.EmbeddedEtcdPort = etcdPort })
	ctx := context.Background()
	pb := protobufClient(t, s.Config)

	// raw does the request and returns the body, failing unless it is
	// protobuf by content type and by its leading bytes.
	raw := func(t *testing.T, what string, r *rest.Request) []byte {
		t.Helper()
		var contentType string
		body, err := r.Do(ctx).ContentType(&contentType).Raw()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !strings.HasPrefix(contentType, runtime.ContentTypeProtobuf) || !bytes.HasPrefix(body, protobufMagic) {
			t.Fatalf("%s: answered %q, body %q…", what, contentType, body[:min(len(body), 16)])
		}
		return body
	}

	t.Run("discovery", func(t *testing.T) {
		body := raw(t, "discovery", pb.Get().AbsPath("/apis", staxv1.GroupName, "v1alpha1"))
		if !bytes.Contains(body, []byte("environments/status")) {
			t.Fatalf("APIResourceList without environments/status: %q", body)
		}
	})

	t.Run("organization with quantities", func(t *testing.T) {
		cpu := resource.MustParse("1500m")
		org := &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: ns},
			Spec: staxv1.OrganizationSpec{DisplayName: "Acme", Quota: &staxv1.OrganizationQuota{CPU: &cpu}}}
		got := &staxv1.Organization{}
		if err := pb.Post().Resource("organizations").Body(org).Do(ctx).Into(got); err != nil {
			t.Fatal(err)
		}
		if got.Spec.DisplayName != "Acme" || got.Spec.Quota == nil || got.Spec.Quota.CPU.Cmp(cpu) != 0 || got.UID == "" {
			t.Fatalf("created %+v", got.Spec)
		}
	})

	// Watch from now on, to see the create below as an event.
	list := &staxv1.EnvironmentList{}
	if err := pb.Get().Namespace(ns).Resource("environments").Do(ctx).Into(list); err != nil {
		t.Fatal(err)
	}
	w, err := pb.Get().Namespace(ns).Resource("environments").
		VersionedParams(&metav1.ListOptions{Watch: true, ResourceVersion: list.ResourceVersion}, scheme.ParameterCodec).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	env := newEnvironment("pb", map[string]string{"wire": "protobuf"})
	created := &staxv1.Environment{}
	t.Run("create", func(t *testing.T) {
		if err := pb.Post().Namespace(ns).Resource("environments").Body(env).Do(ctx).Into(created); err != nil {
			t.Fatal(err)
		}
		api := created.Spec.Blueprint.Services[1]
		if created.UID == "" || created.Labels["wire"] != "protobuf" || created.Status.Phase != staxv1.EnvironmentPending ||
			api.Health == nil || api.Health.HTTP.Port.StrVal != "http" || *api.Replicas != 1 {
			t.Fatalf("created %+v", created)
		}
	})

	t.Run("get", func(t *testing.T) {
		body := raw(t, "get", pb.Get().Namespace(ns).Resource("environments").Name("pb"))
		asJSON, err := s.Client.StaxV1alpha1().RESTClient().Get().Namespace(ns).Resource("environments").Name("pb").DoRaw(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("the environment is %d bytes as protobuf, %d as JSON", len(body), len(asJSON))
		got := &staxv1.Environment{}
		if err := pb.Get().Namespace(ns).Resource("environments").Name("pb").Do(ctx).Into(got); err != nil {
			t.Fatal(err)
		}
		if got.UID != created.UID || got.Spec.DisplayName != env.Spec.DisplayName || got.ResourceVersion != created.ResourceVersion {
			t.Fatalf("got %+v", got)
		}
	})

	t.Run("list", func(t *testing.T) {
		raw(t, "list", pb.Get().Namespace(ns).Resource("environments"))
		got := &staxv1.EnvironmentList{}
		if err := pb.Get().Namespace(ns).Resource("environments").Do(ctx).Into(got); err != nil {
			t.Fatal(err)
		}
		if len(got.Items) != 1 || got.Items[0].UID != created.UID || got.ResourceVersion == "" {
			t.Fatalf("listed %+v", got)
		}
	})

	t.Run("watch", func(t *testing.T) {
		select {
		case ev := <-w.ResultChan():
			e, ok := ev.Object.(*staxv1.Environment)
			if ev.Type != watch.Added || !ok || e.UID != created.UID {
				t.Fatalf("event %s %T", ev.Type, ev.Object)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no watch event for the created environment")
		}
	})

	t.Run("subresource", func(t *testing.T) {
		stopped := &staxv1.Environment{}
		if err := pb.Post().Namespace(ns).Resource("environments").Name("pb").SubResource("stop").
			Body(&staxv1.EnvironmentAction{}).Do(ctx).Into(stopped); err != nil {
			t.Fatal(err)
		}
		if !stopped.Spec.Paused {
			t.Fatalf("stop did not pause: %+v", stopped.Spec)
		}
	})

	t.Run("computed answer", func(t *testing.T) {
		raw(t, "usage", pb.Get().Resource("organizations").Name(ns).SubResource("usage"))
		usage := &staxv1.OrganizationUsage{}
		if err := pb.Get().Resource("organizations").Name(ns).SubResource("usage").Do(ctx).Into(usage); err != nil {
			t.Fatal(err)
		}
		if usage.Start.IsZero() || !usage.End.After(usage.Start.Time) || usage.Total.Cost == "" {
			t.Fatalf("usage %+v", usage)
		}
	})

	t.Run("clientset prefers protobuf, apply stays YAML", func(t *testing.T) {
		var mu sync.Mutex
		seen := map[string]string{} // method: request Content-Type > response Content-Type
		cfg := rest.CopyConfig(s.Config)
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
			return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
				resp, err := rt.RoundTrip(r)
				if err == nil {
					mu.Lock()
					seen[r.Method] = r.Header.Get("Content-Type") + " > " + resp.Header.Get("Content-Type")
					mu.Unlock()
				}
				return resp, err
			})
		})
		cs, err := versioned.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		envs := cs.StaxV1alpha1().Environments(ns)
		if _, err := envs.Create(ctx, newEnvironment("pb-clientset", nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		apply := staxapply.Environment("pb-clientset", ns).WithSpec(staxapply.EnvironmentSpec().WithDisplayName("applied"))
		applied, err := envs.Apply(ctx, apply, metav1.ApplyOptions{FieldManager: "protobuf-test", Force: true})
		if err != nil || applied.Spec.DisplayName != "applied" {
			t.Fatalf("apply: %v %+v", err, applied)
		}
		pbType := runtime.ContentTypeProtobuf
		if seen["POST"] != pbType+" > "+pbType || seen["PATCH"] != string(types.ApplyYAMLPatchType)+" > "+pbType {
			t.Fatalf("content types %q", seen)
		}
	})

	t.Run("storage stays JSON", func(t *testing.T) {
		c, err := clientv3.New(clientv3.Config{Endpoints: []string{"http://127.0.0.1:" + strconv.Itoa(etcdPort)}, DialTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		resp, err := c.Get(ctx, "/registry/", clientv3.WithPrefix())
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, kv := range resp.Kvs {
			k := string(kv.Key)
			if strings.HasSuffix(k, "/environments/"+ns+"/pb") || strings.HasSuffix(k, "/organizations/"+ns) {
				found++
				if bytes.HasPrefix(kv.Value, protobufMagic) || !bytes.HasPrefix(kv.Value, []byte("{")) {
					t.Errorf("%s is stored as %q…", k, kv.Value[:min(len(kv.Value), 16)])
				}
			}
		}
		if found != 2 {
			t.Fatalf("found %d of the 2 objects in etcd", found)
		}
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
