package kubernetes

import (
	"context"
	"errors"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/microstax/stax/pkg/runtime"
)

type fakeStubAccess struct{ orgs []string }

func (f *fakeStubAccess) StubCredential(_ context.Context, org string) (runtime.StubCredential, error) {
	f.orgs = append(f.orgs, org)
	return runtime.StubCredential{Server: "https://stax.example:6443", CAData: []byte("ca"), Token: "tok-" + org}, nil
}

func stubPlan() runtime.Plan {
	return runtime.Plan{Organization: "acme", Environment: "dev", Services: []runtime.ServicePlan{
		{Name: "pets", Stub: &runtime.StubService{Name: "petstore"}, Replicas: 1,
			Ports:  []runtime.Port{{Name: "http", Port: 8080, Protocol: "TCP", AppProtocol: "http"}},
			Health: &runtime.HealthCheck{HTTPPath: "/_stub/healthz", PortName: "http", Period: 10e9, FailureThreshold: 3}},
		{Name: "web", Image: "web:1", Replicas: 1, DependsOn: []string{"pets"}},
	}}
}

// A stub service is a Deployment of the stax-stub image with the flags
// the local runtime gives the binary, its credential mounted from a
// Secret of its own; the credential's token, not its kubeconfig, is what
// logs hide.
func TestStubServiceObjects(t *testing.T) {
	client := fake.NewClientset()
	access := &fakeStubAccess{}
	r, err := New(Config{Client: client, StubImage: "stax-stub:test", StubAccess: access})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Apply(ctx, stubPlan()); err != nil {
		t.Fatal(err)
	}
	ns := NamespaceName("acme", "dev")
	d, err := client.AppsV1().Deployments(ns).Get(ctx, "pets", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Spec.Template.Spec.Containers[0]
	wantArgs := []string{"--stub", "acme/petstore", "--kubeconfig", "/etc/stax-stub/kubeconfig", "--listen", ":8080"}
	if c.Image != "stax-stub:test" || len(c.Command) != 0 || !slices.Equal(c.Args, wantArgs) {
		t.Errorf("container: image %q command %v args %v", c.Image, c.Command, c.Args)
	}
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != "/etc/stax-stub" || !c.VolumeMounts[0].ReadOnly {
		t.Errorf("mounts: %+v", c.VolumeMounts)
	}
	vols := d.Spec.Template.Spec.Volumes
	if len(vols) != 1 || vols[0].Secret == nil || vols[0].Secret.SecretName != "pets-stub" {
		t.Errorf("volumes: %+v", vols)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/_stub/healthz" {
		t.Errorf("probe: %+v", c.ReadinessProbe)
	}
	if _, err := client.CoreV1().Services(ns).Get(ctx, "pets", metav1.GetOptions{}); err != nil {
		t.Errorf("the stub's Service: %v", err)
	}
	sec, err := client.CoreV1().Secrets(ns).Get(ctx, "pets-stub", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sec.Type != StubCredentialType || sec.Labels[LabelService] != "pets" || sec.StringData["token"] != "tok-acme" {
		t.Errorf("credential Secret: type %q labels %v data %v", sec.Type, sec.Labels, sec.StringData)
	}
	kc, err := clientcmd.Load([]byte(sec.StringData["kubeconfig"]))
	if err != nil {
		t.Fatal(err)
	}
	if u := kc.AuthInfos[kc.Contexts[kc.CurrentContext].AuthInfo]; u.Token != "" || u.TokenFile != "/etc/stax-stub/token" {
		t.Errorf("the kubeconfig holds the token or misses its file: %+v", u)
	}
	if cl := kc.Clusters[kc.Contexts[kc.CurrentContext].Cluster]; cl.Server != "https://stax.example:6443" || string(cl.CertificateAuthorityData) != "ca" {
		t.Errorf("cluster: %+v", cl)
	}
	if kc.Contexts[kc.CurrentContext].Namespace != "acme" {
		t.Errorf("namespace: %q", kc.Contexts[kc.CurrentContext].Namespace)
	}
	if secrets, err := r.SecretValues(ctx, "acme", "dev"); err != nil || !slices.Equal(secrets, []string{"tok-acme"}) {
		t.Errorf("SecretValues: %q, %v", secrets, err)
	}
	// The web Deployment is untouched by stubs, and no credential is minted for it.
	if w, _ := client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); w.Spec.Template.Spec.Containers[0].Image != "web:1" ||
		len(w.Spec.Template.Spec.Volumes) != 0 || len(access.orgs) != 1 {
		t.Errorf("web: %+v, minted for %v", w.Spec.Template.Spec, access.orgs)
	}
	// What Apply wrote is what Drift expects.
	if drift, err := r.Drift(ctx, stubPlan()); err != nil || len(drift) != 0 {
		t.Errorf("drift right after apply: %+v %v", drift, err)
	}

	// The service becomes an image: its credential goes.
	p := stubPlan()
	p.Services[0].Stub, p.Services[0].Image = nil, "pets:2"
	if err := r.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Secrets(ns).Get(ctx, "pets-stub", metav1.GetOptions{}); !isNotFound(err) {
		t.Errorf("the credential outlived the stub: %v", err)
	}
}

func TestStubServiceNeedsAccess(t *testing.T) {
	r, err := New(Config{Client: fake.NewClientset()})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(context.Background(), stubPlan()); !errors.Is(err, runtime.ErrNoStubAccess) {
		t.Fatalf("Apply without StubAccess: %v", err)
	}
	p := stubPlan()
	p.Services[0].Ports = nil
	p.Services[0].Health = nil
	if err := r.Apply(context.Background(), p); err == nil {
		t.Fatal("a stub service without a port was applied")
	}
}
