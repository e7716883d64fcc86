package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/stub"
)

// fromAPI reads the Stub and its document (GET stubs/{name}/document,
// which streams the chunks back). The Stub's seed and mode apply unless
// the flags set them.
func fromAPI(ctx context.Context, c config, opts stub.Options) ([]byte, stub.Options, error) {
	ns, name, ok := strings.Cut(c.stub, "/")
	if !ok || ns == "" || name == "" {
		return nil, opts, fmt.Errorf("--stub must be namespace/name, not %q", c.stub)
	}
	kubeconfig := c.kubeconfig
	if kubeconfig == "" {
		kubeconfig = os.Getenv("KUBECONFIG")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, opts, err
	}
	cs, err := versioned.NewForConfig(cfg)
	if err != nil {
		return nil, opts, err
	}
	s, err := cs.StaxV1alpha1().Stubs(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, opts, err
	}
	if opts.Seed == 0 {
		opts.Seed = uint64(s.Spec.Seed)
	}
	opts.Stateful = opts.Stateful || s.Spec.Stateful
	body, err := cs.StaxV1alpha1().RESTClient().Get().Namespace(ns).Resource("stubs").Name(name).
		SubResource("document").Stream(ctx)
	if err != nil {
		return nil, opts, fmt.Errorf("reading the document of stub %s: %w", c.stub, err)
	}
	defer body.Close()
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, opts, err
	}
	if s.Status.Document.Size > 0 && int64(len(data)) != s.Status.Document.Size {
		return nil, opts, fmt.Errorf("the document of stub %s came cut short: %d of %d bytes", c.stub, len(data), s.Status.Document.Size)
	}
	return data, opts, nil
}
