package integration

import (
	"context"
	"fmt"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestSurvivesSIGKILL creates 1,000 environments, kills the server with
// SIGKILL and starts a new one on the same data directory: every
// environment must be there at the resourceVersion its create returned.
func TestSurvivesSIGKILL(t *testing.T) {
	const count, workers = 1000, 16
	dataDir := t.TempDir()
	first := startProcess(t, dataDir)
	ctx := context.Background()

	created := make(map[string]string, count)
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	names := make(chan string)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				e, err := first.Client.StaxV1alpha1().Environments(ns).Create(ctx, newEnvironment(name, nil), metav1.CreateOptions{})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				created[e.Name] = e.ResourceVersion
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < count; i++ {
		names <- fmt.Sprintf("durable-%04d", i)
	}
	close(names)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("create: %v", err)
	}

	first.kill(t)
	second := startProcess(t, dataDir)

	list, err := second.Client.StaxV1alpha1().Environments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != count {
		t.Fatalf("after SIGKILL and restart: %d environments, want %d", len(list.Items), count)
	}
	for _, e := range list.Items {
		if rv, ok := created[e.Name]; !ok || rv != e.ResourceVersion {
			t.Fatalf("%s: resourceVersion %s after restart, %s when created", e.Name, e.ResourceVersion, rv)
		}
	}
}
