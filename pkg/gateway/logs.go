package gateway

import (
	"bufio"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// logQuery maps the gateway's log parameters to those of environments/log.
// since may be a duration ("5m"); anything else goes through as is, for the
// apiserver to judge.
func logQuery(in url.Values) url.Values {
	q := url.Values{}
	if v := in.Get("tail"); v != "" {
		q.Set("tailLines", v)
	}
	if v := in.Get("since"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			v = strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
		}
		q.Set("sinceSeconds", v)
	}
	for _, k := range []string{"service", "replica"} {
		if v := in.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func environmentLogs(g *Gateway, r *request) error {
	resp, err := g.up.do(r.r.Context(), r.token, r.id, call{method: http.MethodGet,
		path: envPath(r.org, r.r.PathValue("id"), "log"), query: logQuery(r.r.URL.Query())})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	lines := []string{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return r.writeValue(http.StatusOK, map[string]any{"lines": lines})
}
