//go:build tools

// Package tools keeps the control-plane commands required by this module:
// Kubernetes' and etcd's own (the real etcd server, etcdctl, etcdutl);
// hack/build-tools.sh builds them.
package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/etcdutl/v3"
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
