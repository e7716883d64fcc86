package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"time"

	"github.com/gorilla/websocket"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// WebSocketProtocol is the subprotocol the gateway speaks. A browser that
// sends its token as a subprotocol must offer this one too: the server
// never echoes the token back.
const WebSocketProtocol = "stax.v1"

var upgrader = websocket.Upgrader{Subprotocols: []string{WebSocketProtocol}}

const writeWait = 10 * time.Second

// upgrade switches to a WebSocket whose context ends when the client goes
// away (a close frame or a broken connection).
func (r *request) upgrade(ctx context.Context) (*websocket.Conn, context.Context, context.CancelFunc, error) {
	conn, err := upgrader.Upgrade(r.w, r.r, nil)
	if err != nil {
		return nil, nil, nil, err // the upgrader answered the client
	}
	r.status = http.StatusSwitchingProtocols
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	return conn, ctx, cancel, nil
}

// closeWith ends a WebSocket with a close frame.
func closeWith(conn *websocket.Conn, code int, reason string) {
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeWait))
	_ = conn.Close()
}

// streamLogs sends each line of logs?follow=true as a text message until
// the client leaves or the environment is deleted.
func streamLogs(g *Gateway, r *request) error {
	name := r.r.PathValue("id")
	ctx, cancel := context.WithCancelCause(r.r.Context())
	defer cancel(nil)
	w, err := g.startWatch(ctx, r, name)
	if err != nil {
		return err
	}
	q := logQuery(r.r.URL.Query())
	q.Set("follow", "true")
	resp, err := g.up.do(ctx, r.token, r.id, call{method: http.MethodGet, path: envPath(r.org, name, "log"), query: q})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	conn, wsCtx, wsCancel, err := r.upgrade(ctx)
	if err != nil {
		return nil
	}
	defer wsCancel()
	go func() {
		err := w.run(wsCtx, func(string, json.RawMessage) bool { return true })
		cancel(err)
		resp.Body.Close() // ends the read below
	}()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := conn.WriteMessage(websocket.TextMessage, sc.Bytes()); err != nil {
			_ = conn.Close()
			return nil
		}
	}
	finish(conn, wsCtx, context.Cause(ctx), r.id)
	return nil
}

// progress is one message of the progress stream.
type progress struct {
	Type               string                  `json:"type"`
	Phase              staxv1.EnvironmentPhase `json:"phase,omitempty"`
	Generation         int64                   `json:"generation,omitempty"`
	ObservedGeneration int64                   `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition      `json:"conditions,omitempty"`
	Services           []staxv1.ServiceStatus  `json:"services,omitempty"`
}

// streamProgress sends the environment's phase and conditions, then each
// change of them, until the client leaves or the environment is deleted.
func streamProgress(g *Gateway, r *request) error {
	name := r.r.PathValue("id")
	w, err := g.startWatch(r.r.Context(), r, name)
	if err != nil {
		return err
	}
	conn, ctx, cancel, err := r.upgrade(r.r.Context())
	if err != nil {
		return nil
	}
	defer cancel()
	var last *progress
	send := func(typ string, obj json.RawMessage) bool {
		var env staxv1.Environment
		if err := json.Unmarshal(obj, &env); err != nil {
			return false
		}
		p := &progress{Type: typ, Phase: env.Status.Phase, Generation: env.Generation, ObservedGeneration: env.Status.ObservedGeneration,
			Conditions: env.Status.Conditions, Services: env.Status.Services}
		if last != nil && typ != "DELETED" && sameProgress(last, p) {
			return true
		}
		last = p
		_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
		return conn.WriteJSON(p) == nil
	}
	if !send("ADDED", w.initial) {
		_ = conn.Close()
		return nil
	}
	finish(conn, ctx, w.run(ctx, send), r.id)
	return nil
}

// sameProgress ignores condition heartbeats: only phase, generations,
// condition status/reason/message and service readiness count as change.
func sameProgress(a, b *progress) bool {
	strip := func(p *progress) progress {
		c := *p
		c.Type = ""
		c.Conditions = nil
		for _, cond := range p.Conditions {
			c.Conditions = append(c.Conditions, metav1.Condition{Type: cond.Type, Status: cond.Status, Reason: cond.Reason, Message: cond.Message})
		}
		c.Services = nil
		for _, s := range p.Services {
			c.Services = append(c.Services, staxv1.ServiceStatus{Name: s.Name, ReadyReplicas: s.ReadyReplicas, DesiredReplicas: s.DesiredReplicas, Health: s.Health})
		}
		return c
	}
	return reflect.DeepEqual(strip(a), strip(b))
}

// finish closes a stream with a close frame saying why it ended, unless
// the client left.
func finish(conn *websocket.Conn, clientCtx context.Context, why error, requestID string) {
	switch {
	case errors.Is(why, errDeleted):
		closeWith(conn, websocket.CloseNormalClosure, "environment deleted")
	case clientCtx.Err() != nil:
		_ = conn.Close() // the client went away
	case why == nil || errors.Is(why, context.Canceled):
		closeWith(conn, websocket.CloseNormalClosure, "stream ended")
	default:
		klog.ErrorS(why, "Stream ended", "requestId", requestID)
		closeWith(conn, websocket.CloseInternalServerErr, "stream ended")
	}
}
