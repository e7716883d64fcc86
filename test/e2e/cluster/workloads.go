package cluster

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KwokNodeAnnotation marks the nodes kwok simulates; kwok runs with
// --manage-nodes-with-annotation-selector on it.
const KwokNodeAnnotation = "kwok.x-k8s.io/node"

// startWorkloads runs what turns Deployments into running pods:
// kube-controller-manager (ReplicaSets, pods, namespace deletion),
// kube-scheduler, and kwok, which plays the kubelet of fake nodes.
func (c *Cluster) startWorkloads(ctx context.Context) error {
	kcm, err := c.start("kube-controller-manager", exec.Command(filepath.Join(c.cfg.ToolsBin, "kube-controller-manager"),
		"--kubeconfig="+c.AdminKubeconfig,
		"--authentication-kubeconfig="+c.AdminKubeconfig,
		"--authorization-kubeconfig="+c.AdminKubeconfig,
		"--controllers=*",
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(freePort()),
		// The ServiceAccount token controller signs with kube-apiserver's key.
		"--service-account-private-key-file="+c.saKey,
		"--root-ca-file="+c.clientCA.CertFile,
		// One identity (the admin) for every controller is enough here.
		"--use-service-account-credentials=false",
		"--v=1"))
	if err != nil {
		return err
	}
	sched, err := c.start("kube-scheduler", exec.Command(filepath.Join(c.cfg.ToolsBin, "kube-scheduler"),
		"--kubeconfig="+c.AdminKubeconfig,
		"--authentication-kubeconfig="+c.AdminKubeconfig,
		"--authorization-kubeconfig="+c.AdminKubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(freePort()),
		"--v=1"))
	if err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + c.AdminKubeconfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + KwokNodeAnnotation + "=fake",
		"--server-address=127.0.0.1:" + strconv.Itoa(freePort()),
	}
	for _, f := range c.cfg.KwokConfig {
		args = append(args, "--config="+f)
	}
	kwok, err := c.start("kwok", exec.Command(filepath.Join(c.cfg.ToolsBin, "kwok"), args...))
	if err != nil {
		return err
	}
	// The controllers are up once the default ServiceAccount exists: the
	// ServiceAccount controller made it, and ReplicaSets need it for pods.
	if err := c.waitFor(ctx, kcm, "the default ServiceAccount", func(ctx context.Context) (bool, error) {
		_, err := c.Client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		return err
	}
	for _, p := range []*Process{sched, kwok} {
		if p.Exited() {
			return fmt.Errorf("%s exited: %v\n%s", p.Name, p.err, p.Tail(30))
		}
	}
	return nil
}

// AddFakeNodes creates n nodes named kwok-node-<i> for kwok to simulate and
// waits until they are Ready.
func (c *Cluster) AddFakeNodes(ctx context.Context, n int) error {
	for i := range n {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        "kwok-node-" + strconv.Itoa(i),
				Annotations: map[string]string{KwokNodeAnnotation: "fake"},
				Labels:      map[string]string{"type": "kwok", corev1.LabelHostname: "kwok-node-" + strconv.Itoa(i)},
			},
			Status: corev1.NodeStatus{
				Allocatable: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("64"),
					corev1.ResourceMemory: resource.MustParse("512Gi"),
					corev1.ResourcePods:   resource.MustParse("1000"),
				},
				Capacity: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("64"),
					corev1.ResourceMemory: resource.MustParse("512Gi"),
					corev1.ResourcePods:   resource.MustParse("1000"),
				},
			},
		}
		if _, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	return c.waitFor(ctx, c.Processes["kwok"], fmt.Sprintf("%d kwok nodes Ready", n), func(ctx context.Context) (bool, error) {
		nodes, err := c.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "type=kwok"})
		if err != nil {
			return false, nil
		}
		ready := 0
		for _, nd := range nodes.Items {
			for _, cond := range nd.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready == n, nil
	})
}
