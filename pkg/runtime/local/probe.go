package local

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// probeClient does not follow redirects: a 3xx answer is already healthy.
var probeClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{DisableKeepAlives: true},
}

// probe runs one health check against addr (host:port) with a timeout of
// the probe period, so that a hung replica counts as failed in time.
func probe(ctx context.Context, addr, httpPath string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if httpPath == "" {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("tcp connect %s: %w", addr, err)
		}
		return c.Close()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+httpPath, nil)
	if err != nil {
		return err
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", httpPath, err)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s: status %d", httpPath, resp.StatusCode)
	}
	return nil
}
