package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// rendered is what kubectl kustomize made of a directory, by "Kind/name".
type rendered map[string]*unstructured.Unstructured

// kustomize renders dir with kubectl's own kustomize (kubectl kustomize).
func kustomize(t *testing.T, dir string) rendered {
	t.Helper()
	out, err := exec.Command(kubectlPath(t), "kustomize", dir).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, exit.Stderr)
		}
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	return decodeManifests(t, out)
}

func decodeManifests(t *testing.T, data []byte) rendered {
	t.Helper()
	objs := rendered{}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err == io.EOF {
			return objs
		} else if err != nil {
			t.Fatal(err)
		}
		if len(u.Object) == 0 {
			continue
		}
		objs[u.GetKind()+"/"+u.GetName()] = u
	}
}

// into converts the object named key into a typed one.
func (r rendered) into(t *testing.T, key string, obj any) {
	t.Helper()
	u, ok := r[key]
	if !ok {
		t.Fatalf("no %s among %v", key, r.keys())
	}
	data, err := json.Marshal(u.Object)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, obj); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
}

func (r rendered) keys() []string {
	var keys []string
	for k := range r {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func container(t *testing.T, d *appsv1.Deployment, name string) corev1.Container {
	t.Helper()
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("Deployment %s has no container %s", d.Name, name)
	return corev1.Container{}
}

// flag is the value of --name in args, and whether it is there.
func flag(args []string, name string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// TestApplyKustomizations: artifacts/aggregated renders every manifest of
// its directory (one stax-apiserver, the etcd sidecar); the ha overlay
// makes it three replicas on the external etcd cluster, no controllers
// in-process, one per node, at least two through a disruption, ready on
// /readyz, and two leader-elected stax-controller-managers on the same
// etcd. kube-apiserver takes both with kubectl apply -k --dry-run=server.
func TestApplyKustomizations(t *testing.T) {
	aggregatedDir := filepath.Join(repoRoot, "artifacts", "aggregated")
	haDir := filepath.Join(repoRoot, "artifacts", "ha")
	aggregated := kustomize(t, aggregatedDir)

	// Nothing of the directory is left out of the kustomization.
	files, err := filepath.Glob(filepath.Join(aggregatedDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for key := range decodeManifests(t, raw) {
			if _, ok := aggregated[key]; !ok {
				t.Errorf("%s of %s is not in kubectl kustomize %s", key, filepath.Base(f), aggregatedDir)
			}
		}
	}
	var one appsv1.Deployment
	aggregated.into(t, "Deployment/stax-apiserver", &one)
	if *one.Spec.Replicas != 1 || len(one.Spec.Template.Spec.Containers) != 2 {
		t.Errorf("aggregated: %d replicas of %d containers, want 1 replica of stax-apiserver and its etcd", *one.Spec.Replicas, len(one.Spec.Template.Spec.Containers))
	}

	ha := kustomize(t, haDir)
	var apiserver, manager appsv1.Deployment
	ha.into(t, "Deployment/stax-apiserver", &apiserver)
	ha.into(t, "Deployment/stax-controller-manager", &manager)
	if *apiserver.Spec.Replicas != 3 {
		t.Errorf("ha: %d replicas of stax-apiserver, want 3", *apiserver.Spec.Replicas)
	}
	pod := apiserver.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Errorf("ha: containers %d, want stax-apiserver alone (no etcd sidecar)", len(pod.Containers))
	}
	for _, v := range pod.Volumes {
		if v.Name == "etcd-data" {
			t.Errorf("ha: the sidecar's volume etcd-data is still there")
		}
	}
	server := container(t, &apiserver, "stax-apiserver")
	etcdServers, _ := flag(server.Args, "etcd-servers")
	members := strings.Split(etcdServers, ",")
	if len(members) != 3 || slices.ContainsFunc(members, func(m string) bool { return !strings.HasPrefix(m, "https://") }) {
		t.Errorf("ha: --etcd-servers=%s, want three members over TLS", etcdServers)
	}
	for _, f := range []string{"etcd-cafile", "etcd-certfile", "etcd-keyfile", "tls-cert-file", "tls-private-key-file", "key-encryption-key-file"} {
		if v, ok := flag(server.Args, f); !ok || v == "" {
			t.Errorf("ha: stax-apiserver has no --%s", f)
		}
	}
	if _, ok := flag(server.Args, "token-keys-dir"); ok {
		t.Errorf("ha: --token-keys-dir: the replicas' key set is the one sealed in etcd, not a directory")
	}
	if v, ok := flag(server.Args, "controllers"); !ok || v != "" {
		t.Errorf("ha: stax-apiserver runs controllers in-process (--controllers=%q, set: %v)", v, ok)
	}
	if mode, _ := flag(server.Args, "mode"); mode != "aggregated" {
		t.Errorf("ha: --mode=%s", mode)
	}
	if p := server.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" || p.HTTPGet.Scheme != corev1.URISchemeHTTPS {
		t.Errorf("ha: readiness probe %+v, want HTTPS GET /readyz", p)
	}
	podLabels := labels.Set(apiserver.Spec.Template.Labels)
	anti := pod.Affinity
	if anti == nil || anti.PodAntiAffinity == nil || len(anti.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 {
		t.Errorf("ha: affinity %+v, want one required pod anti-affinity term", anti)
	} else {
		term := anti.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0]
		sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
		if term.TopologyKey != corev1.LabelHostname || err != nil || !sel.Matches(podLabels) {
			t.Errorf("ha: anti-affinity term %+v does not keep replicas on distinct nodes (%v)", term, err)
		}
	}
	var pdb policyv1.PodDisruptionBudget
	ha.into(t, "PodDisruptionBudget/stax-apiserver", &pdb)
	if sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector); err != nil || !sel.Matches(podLabels) {
		t.Errorf("ha: the PodDisruptionBudget's selector %v does not select stax-apiserver's pods %v (%v)", pdb.Spec.Selector, podLabels, err)
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 2 {
		t.Errorf("ha: PodDisruptionBudget minAvailable %v, want 2 of 3", pdb.Spec.MinAvailable)
	}
	if !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool {
		return v.Secret != nil && v.Secret.SecretName == "stax-key-encryption-key"
	}) {
		t.Errorf("ha: the key-encryption key is not mounted from the Secret stax-key-encryption-key")
	}

	if *manager.Spec.Replicas < 2 {
		t.Errorf("ha: %d stax-controller-managers, want at least 2", *manager.Spec.Replicas)
	}
	cm := container(t, &manager, "stax-controller-manager")
	if v, _ := flag(cm.Args, "leader-elect-etcd-servers"); v != etcdServers {
		t.Errorf("ha: the managers elect through %q, not the apiserver's etcd %q", v, etcdServers)
	}
	if v, ok := flag(cm.Args, "leader-elect"); ok && v != "true" {
		t.Errorf("ha: --leader-elect=%s", v)
	}
	if id, _ := flag(cm.Args, "leader-elect-identity"); id != "$(POD_NAME)" {
		t.Errorf("ha: --leader-elect-identity=%s, want the pod's name", id)
	}
	for _, name := range []string{"ServiceAccount/stax-controller-manager", "ClusterRole/microstax:stax-controller-manager",
		"ClusterRoleBinding/microstax:stax-controller-manager"} {
		if _, ok := ha[name]; !ok {
			t.Errorf("ha: no %s", name)
		}
	}
	// Everything of the base is in the overlay.
	for key := range aggregated {
		if _, ok := ha[key]; !ok {
			t.Errorf("ha lacks %s of artifacts/aggregated", key)
		}
	}

	// kube-apiserver validates both as it would apply them (its admission
	// and schemas; the namespace exists, the harness made it).
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, dir := range []string{aggregatedDir, haDir} {
		out, err := c.Kubectl(ctx, nil, "apply", "-k", dir, "--dry-run=server")
		if err != nil {
			t.Errorf("kubectl apply -k %s --dry-run=server: %v", dir, err)
			continue
		}
		for _, want := range []string{"deployment.apps/stax-apiserver", "apiservice.apiregistration.k8s.io/v1alpha1.stax.microstax.ai"} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl apply -k %s --dry-run=server says nothing of %s:\n%s", dir, want, out)
			}
		}
		if dir == haDir && !strings.Contains(out, "poddisruptionbudget.policy/stax-apiserver") {
			t.Errorf("kubectl apply -k %s --dry-run=server says nothing of the PodDisruptionBudget:\n%s", dir, out)
		}
	}
}
