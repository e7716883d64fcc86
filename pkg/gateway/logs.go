package gateway

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

var logRoutes = []*Route{
	{Method: "GET", Path: "/v1/environments/{id}/logs", Tag: tagEnvironments, Summary: "Recent log lines of an environment",
		Call: "get environments/log", Success: 200, Errors: []int{404},
		Query: []Param{{"tail", "integer", "last lines of each replica"}, {"since", "string", "seconds or a duration such as 5m"},
			{"service", "string", "one service"}, {"replica", "integer", "one replica of the service"}},
		Data: "LogLines", serve: environmentLogs},
	{Method: MethodWebSocket, Path: "/v1/environments/{id}/logstream", Tag: tagEnvironments, Summary: "Live log lines (WebSocket, one text message a line)",
		Call: "get environments/log?follow=true (+ watch environments for deletion)", Success: 101, Errors: []int{404},
		Query: []Param{{"organization", "string", "organization, for browsers that cannot set headers"},
			{"tail", "integer", "last lines of each replica"}, {"since", "string", "seconds or a duration"},
			{"service", "string", "one service"}, {"replica", "integer", "one replica"}},
		Data: "LogLineMessage", serve: streamLogs},
}

// logRequest is the environments/log call of the gateway's log parameters.
// since may be a duration ("5m"); every value goes through as written for
// the apiserver to judge, which refuses a bad one with its field.
func (g *Gateway) logRequest(r *request, follow bool) *rest.Request {
	in := r.r.URL.Query()
	req := g.up.environments(http.MethodGet, r.org).Name(r.name()).SubResource("log")
	if v := in.Get("tail"); v != "" {
		req.Param("tailLines", v)
	}
	if v := in.Get("since"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			v = strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
		}
		req.Param("sinceSeconds", v)
	}
	for _, k := range []string{"service", "replica"} {
		if v := in.Get(k); v != "" {
			req.Param(k, v)
		}
	}
	if follow {
		req.Param("follow", "true")
	}
	return req
}

func environmentLogs(g *Gateway, r *request) error {
	body, err := g.logRequest(r, false).Stream(r.ctx())
	if err != nil {
		return upstreamError(err)
	}
	defer body.Close()
	lines := []string{}
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return r.writeValue(http.StatusOK, map[string]any{"lines": lines})
}

// streamLogs sends each line of a followed log as a text message until
// the client leaves or the environment is deleted.
func streamLogs(g *Gateway, r *request) error {
	ctx, cancel := context.WithCancelCause(r.ctx())
	defer cancel(nil)
	w, err := g.up.startWatch(ctx, r.org, r.name())
	if err != nil {
		return err
	}
	body, err := g.logRequest(r, true).Stream(ctx)
	if err != nil {
		return upstreamError(err)
	}
	defer body.Close()
	conn, wsCtx, wsCancel, err := r.upgrade(ctx)
	if err != nil {
		return nil
	}
	defer wsCancel()
	go func() {
		err := w.run(wsCtx, func(watch.EventType, *staxv1.Environment) bool { return true })
		cancel(err)
		body.Close() // ends the read below
	}()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := conn.WriteMessage(websocket.TextMessage, sc.Bytes()); err != nil {
			_ = conn.Close()
			return nil
		}
	}
	finish(conn, wsCtx, context.Cause(ctx), r.requestID)
	return nil
}
