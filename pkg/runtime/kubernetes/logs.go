package kubernetes

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/runtime"
)

// Logs returns the output of the selected pods, with time stamps.
func (r *Runtime) Logs(ctx context.Context, org, env string, opts runtime.LogOptions) (io.ReadCloser, error) {
	ns := NamespaceName(org, env)
	pods, err := r.selectPods(ctx, org, env, ns, opts)
	if err != nil {
		return nil, err
	}
	logOpts := func(p *corev1.Pod) *corev1.PodLogOptions {
		return &corev1.PodLogOptions{
			Container:    p.Labels[LabelService],
			Follow:       opts.Follow,
			Timestamps:   true,
			TailLines:    opts.TailLines,
			SinceSeconds: opts.SinceSeconds,
		}
	}
	if len(pods) == 1 {
		return r.client.CoreV1().Pods(ns).GetLogs(pods[0].Name, logOpts(pods[0])).Stream(ctx)
	}
	if !opts.Follow {
		return r.mergeByTime(ctx, ns, pods, logOpts)
	}
	return r.interleave(ctx, ns, pods, logOpts), nil
}

// selectPods is the pods of the selection in name order. A service or
// replica that does not exist is runtime.ErrNotFound.
func (r *Runtime) selectPods(ctx context.Context, org, env, ns string, opts runtime.LogOptions) ([]*corev1.Pod, error) {
	if _, err := r.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("namespace %s: %w", ns, runtime.ErrNotFound)
		}
		return nil, err
	}
	labels := envLabels(org, env)
	if opts.Service != "" {
		if _, err := r.client.AppsV1().Deployments(ns).Get(ctx, opts.Service, metav1.GetOptions{}); err != nil {
			if isNotFound(err) {
				return nil, fmt.Errorf("service %s: %w", opts.Service, runtime.ErrNotFound)
			}
			return nil, err
		}
		labels[LabelService] = opts.Service
	}
	list, err := r.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector(labels)})
	if err != nil {
		return nil, err
	}
	pods := make([]*corev1.Pod, 0, len(list.Items))
	for i := range list.Items {
		pods = append(pods, &list.Items[i])
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	if opts.Service != "" && opts.Replica >= 0 {
		if opts.Replica >= len(pods) {
			return nil, fmt.Errorf("service %s replica %d: %w", opts.Service, opts.Replica, runtime.ErrNotFound)
		}
		pods = pods[opts.Replica : opts.Replica+1]
	}
	return pods, nil
}

type line struct {
	stamp string // RFC3339Nano, so it sorts as text
	text  []byte
}

// mergeByTime reads every pod's log to the end and orders the lines by time
// stamp, each prefixed with its pod's name.
func (r *Runtime) mergeByTime(ctx context.Context, ns string, pods []*corev1.Pod, logOpts func(*corev1.Pod) *corev1.PodLogOptions) (io.ReadCloser, error) {
	var lines []line
	for _, p := range pods {
		raw, err := r.client.CoreV1().Pods(ns).GetLogs(p.Name, logOpts(p)).DoRaw(ctx)
		if err != nil {
			// A pod not started yet has no log; the others still count.
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			stamp, _, _ := bytes.Cut(sc.Bytes(), []byte(" "))
			lines = append(lines, line{stamp: string(stamp), text: append([]byte(p.Name+" "), sc.Bytes()...)})
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].stamp < lines[j].stamp })
	var out bytes.Buffer
	for _, l := range lines {
		out.Write(l.text)
		out.WriteByte('\n')
	}
	return io.NopCloser(&out), nil
}

// interleave follows every pod's log, writing whole lines as they come,
// each prefixed with its pod's name. Closing the reader ends the streams.
func (r *Runtime) interleave(ctx context.Context, ns string, pods []*corev1.Pod, logOpts func(*corev1.Pod) *corev1.PodLogOptions) io.ReadCloser {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range pods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream, err := r.client.CoreV1().Pods(ns).GetLogs(p.Name, logOpts(p)).Stream(ctx)
			if err != nil {
				return
			}
			defer stream.Close()
			sc := bufio.NewScanner(stream)
			sc.Buffer(make([]byte, 64*1024), 1<<20)
			for sc.Scan() {
				mu.Lock()
				_, err := fmt.Fprintf(pw, "%s %s\n", p.Name, sc.Bytes())
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		pw.Close()
	}()
	return &cancelReader{PipeReader: pr, cancel: cancel}
}

type cancelReader struct {
	*io.PipeReader
	cancel context.CancelFunc
}

func (c *cancelReader) Close() error {
	c.cancel()
	return c.PipeReader.Close()
}
