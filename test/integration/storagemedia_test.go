package integration

import (
	"context"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/microstax/stax/pkg/cmd/server"
)

// A replica started with --storage-media-type=application/vnd.kubernetes.protobuf
// and one at the default (JSON) store in one etcd: each reads, lists and
// updates what the other wrote, so the setting can change replica by
// replica without a migration.
func TestStorageMediaTypesShareOneEtcd(t *testing.T) {
	e := startSharedEtcd(t)
	jsonReplica := startInProcess(t, storeOnly, e.replica)
	protobufReplica := startInProcess(t, storeOnly, e.replica, func(o *server.Options) {
		o.Recommended.Etcd.DefaultStorageMediaType = runtime.ContentTypeProtobuf
	})
	ctx := context.Background()
	replicas := map[string]*testServer{"json": jsonReplica, "protobuf": protobufReplica}
	for writer, s := range replicas {
		if _, err := s.Client.StaxV1alpha1().Environments(ns).Create(ctx, newEnvironment("from-"+writer, nil), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create through the %s replica: %v", writer, err)
		}
	}

	// What etcd holds is in each writer's media type.
	stored := func(name string) string {
		t.Helper()
		resp, err := e.Client.Get(ctx, "/registry/stax.microstax.ai/", clientv3.WithPrefix())
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range resp.Kvs {
			if strings.HasSuffix(string(kv.Key), "/"+ns+"/"+name) {
				return string(kv.Value)
			}
		}
		t.Fatalf("no key in etcd ends in /%s/%s", ns, name)
		return ""
	}
	if v := stored("from-json"); !strings.HasPrefix(v, `{"kind":"Environment"`) {
		t.Errorf("the JSON replica stored %q…", v[:min(len(v), 24)])
	}
	if v := stored("from-protobuf"); !strings.HasPrefix(v, "k8s\x00") {
		t.Errorf("the protobuf replica stored %q…, want protobuf's k8s\\x00 prefix", v[:min(len(v), 24)])
	}

	for reader, s := range replicas {
		envs := s.Client.StaxV1alpha1().Environments(ns)
		for writer := range replicas {
			got, err := envs.Get(ctx, "from-"+writer, metav1.GetOptions{})
			if err != nil {
				t.Errorf("%s replica reading what the %s one wrote: %v", reader, writer, err)
				continue
			}
			if len(got.Spec.Blueprint.Services) == 0 || got.Spec.Blueprint.Services[0].Name == "" {
				t.Errorf("%s replica read %s's object without its blueprint: %+v", reader, writer, got.Spec)
			}
		}
		list, err := envs.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 2 {
			t.Errorf("%s replica lists %d environments, want both writers' 2", reader, len(list.Items))
		}
	}

	// An update rewrites the object in the updater's media type; the other
	// replica reads the new version.
	patch := []byte(`{"metadata":{"labels":{"rewritten":"by-json"}}}`)
	if _, err := jsonReplica.Client.StaxV1alpha1().Environments(ns).Patch(ctx, "from-protobuf", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if v := stored("from-protobuf"); !strings.HasPrefix(v, "{") {
		t.Errorf("after the JSON replica's update etcd holds %q…, want JSON", v[:min(len(v), 24)])
	}
	got, err := protobufReplica.Client.StaxV1alpha1().Environments(ns).Get(ctx, "from-protobuf", metav1.GetOptions{})
	if err != nil || got.Labels["rewritten"] != "by-json" {
		t.Errorf("the protobuf replica reads labels %v (%v) after the JSON replica's update", got.GetLabels(), err)
	}
}
