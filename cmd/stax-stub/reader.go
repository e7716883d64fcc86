package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/stub"
	"github.com/microstax/stax/pkg/stubclient"
)

// fromAPI reads the Stub and its document through the API. The Stub's
// seed and mode apply unless the flags set them.
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
	s, data, err := stubclient.Fetch(ctx, cs, ns, name)
	if err != nil {
		return nil, opts, err
	}
	if opts.Seed == 0 {
		opts.Seed = uint64(s.Spec.Seed)
	}
	opts.Stateful = opts.Stateful || s.Spec.Stateful
	return data, opts, nil
}
