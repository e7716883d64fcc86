package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/scheme"
)

// TestProtobufThroughKubeAPIServer: kube-apiserver's aggregation layer
// passes protobuf through both ways, so a client that sends and accepts
// protobuf only creates, reads, lists and watches environments through it.
func TestProtobufThroughKubeAPIServer(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	cfg := rest.CopyConfig(c.AdminConfig)
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf
	cfg.GroupVersion = &staxv1.SchemeGroupVersion
	cfg.APIPath = "/apis"
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	pb, err := rest.RESTClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	envs := func() *rest.Request { return pb.Get().Namespace("default").Resource("environments") }

	w, err := envs().VersionedParams(&metav1.ListOptions{Watch: true}, scheme.ParameterCodec).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	env := &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "pb", Namespace: "default"},
		Spec: staxv1.EnvironmentSpec{DisplayName: "over protobuf", Blueprint: staxv1.Blueprint{
			Services: []staxv1.ServiceSpec{{Name: "web", Image: "nginx:1.27"}}}},
	}
	created := &staxv1.Environment{}
	if err := pb.Post().Namespace("default").Resource("environments").Body(env).Do(ctx).Into(created); err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.UID == "" || created.Spec.DisplayName != "over protobuf" {
		t.Fatalf("created %+v", created)
	}

	var contentType string
	body, err := envs().Name("pb").Do(ctx).ContentType(&contentType).Raw()
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if !strings.HasPrefix(contentType, runtime.ContentTypeProtobuf) || !bytes.HasPrefix(body, []byte("k8s\x00")) {
		t.Fatalf("get answered %q, body %q…", contentType, body[:min(len(body), 16)])
	}

	list := &staxv1.EnvironmentList{}
	if err := envs().Do(ctx).Into(list); err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list.Items) != 1 || list.Items[0].UID != created.UID {
		t.Fatalf("listed %+v", list.Items)
	}

	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch ended before the create was seen")
			}
			if e, isEnv := ev.Object.(*staxv1.Environment); ev.Type == watch.Added && isEnv && e.UID == created.UID {
				return
			}
		case <-deadline:
			t.Fatal("no watch event for the created environment")
		}
	}
}
