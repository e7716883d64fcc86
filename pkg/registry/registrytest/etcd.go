// Package registrytest runs the registry's stores on a real etcd, as
// kube-apiserver's pkg/registry/registrytest does: one member of pkg/etcd
// on 127.0.0.1 per test binary, a key prefix per test, and objects stored
// as v1alpha1 JSON exactly as the server stores them.
package registrytest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage/storagebackend"

	"github.com/microstax/stax/pkg/apis/stax/install"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/etcd"
)

// Scheme holds the group's types, internal and v1alpha1, and metav1's
// options, like the server's.
var Scheme = runtime.NewScheme()

func init() {
	install.Install(Scheme)
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
}

var (
	member   *etcd.Server
	prefixes atomic.Int64
)

// Main runs the tests of a package with an etcd member started for them,
// and removes it afterwards. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "registrytest-etcd-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	member, err = etcd.Start(etcd.Config{DataDir: dir, StartTimeout: 2 * time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer member.Close()
	return m.Run()
}

// RESTOptions returns storage options for a store on the package's etcd
// member (see Main), under a key prefix of its own.
func RESTOptions(t testing.TB) generic.RESTOptionsGetter {
	t.Helper()
	if member == nil {
		t.Fatal("registrytest: no etcd; call registrytest.Main from TestMain")
	}
	codec := serializer.NewCodecFactory(Scheme).LegacyCodec(v1alpha1.SchemeGroupVersion)
	prefix := fmt.Sprintf("/%s-%d", strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()), prefixes.Add(1))
	cfg := storagebackend.NewDefaultConfig(prefix, codec)
	cfg.Transport.ServerList = []string{member.ClientURL()}
	return getter{cfg}
}

type getter struct{ cfg *storagebackend.Config }

func (g getter) GetRESTOptions(resource schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	return generic.RESTOptions{
		StorageConfig:           g.cfg.ForResource(resource),
		Decorator:               generic.UndecoratedStorage,
		DeleteCollectionWorkers: 1,
		ResourcePrefix:          resource.Group + "/" + resource.Resource,
	}, nil
}

// Context is a request context in namespace ns (empty: cluster-scoped)
// made by the named user.
func Context(ns, userName string) context.Context {
	ctx := genericapirequest.WithNamespace(genericapirequest.NewContext(), ns)
	if userName != "" {
		ctx = genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: userName})
	}
	return ctx
}
